package sandbox

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// The web inbox: a page at / that shows an account's codes as they are
// sent, moves its clock and sets its numbers' outcomes, through the
// control routes (inbox_routes.go and the others) and nothing else. Its
// files are plain HTML, CSS and JavaScript embedded in the binary: no
// build step, nothing fetched from elsewhere, so that it works on a
// machine without a network and otp-sandbox stays the standard library
// alone. The page holds no secret: the credentials are typed into it and
// sent as headers on each request, never in a URL or a cookie.

//go:embed inbox
var inboxFiles embed.FS

// pageCSP keeps the page to its own files: no inline script or style, no
// other origin for anything (scripts, styles, images, requests), no
// frames around it, and no form that submits anywhere (the forms are
// handled by the script; without it, a sign-in form must not put the token
// in a URL).
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageAsset is one file of the page, read once.
type pageAsset struct {
	body        []byte
	contentType string
	etag        string
}

// pageTypes are the content types of the page's files: fixed here, not
// read from the machine's MIME tables, which may call a script anything.
var pageTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// pageAssets are the page's files by name ("index.html", "inbox.js"...).
var pageAssets = func() map[string]pageAsset {
	out := map[string]pageAsset{}
	err := fs.WalkDir(inboxFiles, "inbox", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := inboxFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		typ, known := pageTypes[path.Ext(p)]
		if !known {
			return fmt.Errorf("%s: no content type for its extension", p)
		}
		out[path.Base(p)] = pageAsset{body: b, contentType: typ, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("sandbox: the inbox's files: " + err.Error())
	}
	return out
}()

// InboxAssetsDigest is a digest of every file of the page, for whatever
// must follow them (the screenshot in the docs records the digest of the
// page it shows).
func InboxAssetsDigest() string {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(pageAssets)) {
		h.Write([]byte(name + "\x00"))
		h.Write(pageAssets[name].body)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// pageRoutes serve the page and its files, unauthenticated: they hold
// nothing of any account. They are in the OpenAPI document like every
// route, with their media types, so that a test that fetches them is held
// to it too; a client generator gets two operations that answer text.
func pageRoutes() []route {
	notModified := content(http.StatusNotModified, "no body, when If-None-Match holds the ETag answered: the browser's copy is current")
	changed := content(http.StatusPreconditionFailed, "when If-Match holds another ETag")
	var files []Choice
	var media []string
	for _, name := range slices.Sorted(maps.Keys(pageAssets)) {
		if name == pageIndex {
			continue
		}
		files = append(files, Choice{Value: name})
		media = append(media, mediaType(pageAssets[name].contentType))
	}
	slices.Sort(media)
	return []route{
		{Route: Route{
			Method: "GET", Path: "/", Auth: AuthNone,
			Does: "The web inbox: a page that signs in with the control token or an account's key and secret, and shows the account's " +
				"codes as they are sent. It and its files come with a Content-Security-Policy that allows nothing from elsewhere, and an " +
				"ETag to revalidate them with.",
			Replies: []Reply{content(http.StatusOK, "the page", mediaType(pageAssets[pageIndex].contentType)), notModified, changed},
		}, plain: func(_ *Server, w http.ResponseWriter, r *http.Request) { servePageAsset(w, r, pageIndex) }},
		{Route: Route{
			Method: "GET", Path: pageFiles + "{file}", Auth: AuthNone,
			Does:   "The page's scripts, style sheet and icon.",
			Params: []Field{choice("{file}", TypeString, files...).means("a file of the page").required()},
			Replies: []Reply{
				content(http.StatusOK, "the file", slices.Compact(media)...), notModified, changed,
				content(http.StatusNotFound, "for a file the page does not have", "text/plain"),
			},
		}, plain: func(_ *Server, w http.ResponseWriter, r *http.Request) {
			name := r.PathValue("file")
			if name == pageIndex { // the page is at / alone
				name = ""
			}
			servePageAsset(w, r, name)
		}},
	}
}

// pageIndex is the page's own file, served at /; the others are served
// under pageFiles.
const (
	pageIndex = "index.html"
	pageFiles = "/inbox/"
)

// mediaType is a content type without its parameters: "text/css".
func mediaType(contentType string) string {
	m, _, _ := strings.Cut(contentType, ";")
	return m
}

// servePageAsset answers one of the page's files, with headers that keep
// the page to itself: the CSP, no sniffing of types, no referrer, no
// framing, no window of another origin holding a handle on it; and
// revalidated on every load, so that a new sandbox never runs an old
// script.
func servePageAsset(w http.ResponseWriter, r *http.Request, name string) {
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	asset, found := pageAssets[name]
	if !found {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", asset.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", asset.etag)
	// Whole files only: they are a few kilobytes, and a range's 206 (or
	// 416) would be answers the document does not give.
	r.Header.Del("Range")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(asset.body))
}

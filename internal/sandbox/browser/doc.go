// Package browser tests the sandbox's web inbox in a real browser: headless
// Chromium, driven through the DevTools protocol (chromedp), against an
// in-process sandbox. The tests use the page as a person does (they type,
// click and read what it shows) and the sandbox as an application does
// (signed API calls); every request the browser makes is recorded, and must
// stay on the sandbox's address.
//
// They run when OTP_BROWSER_TESTS is set (make test-browser), and then need
// Chromium: /usr/bin/chromium (Debian's chromium package), or the binary
// OTP_CHROMIUM names. chromedp is imported by the tests alone, so that
// otp-sandbox stays the standard library.
package browser

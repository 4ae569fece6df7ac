package sandbox

import (
	"fmt"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// ServiceNotes say how the sandbox runs the OTP service (the routes that
// send and check codes): what it emulates, what it does not, and every
// choice it makes where the vendor's documentation is silent. otp-sandbox
// -h prints them, and the README carries them, from here. Each Field is a
// topic (Name) and what the sandbox does (Values).
func ServiceNotes() []Field {
	return []Field{
		{Name: "routes", Values: "POST /verification/send, /verification/sendRule, /verification/verify, /verification/resend, " +
			"/verification/orderId/record, /postback/backfill and /backfillRate, and GET /verification/record/{verificationId}, under the " +
			"API's prefix (/otp), with the signing, timestamp window, envelope (status a string), counters and faults of the " +
			"configuration routes (the drop faults stay with adds and updates). Every documented field rule is checked, the first " +
			"broken one answers -22 with a reason that names the field. An unknown path under the prefix answers HTTP 404 with the " +
			"envelope, status -22, naming the path. backfill and backfillRate are checked and acknowledged (data null); nothing " +
			"is kept of them. Their time fields take ISO 8601 with an offset (time also Unix seconds or milliseconds)."},
		{Name: "order of checks", Values: "A send is checked in this order: the body's fields (-22); appId, templateId (one of the app's) " +
			"and flowId exist in the account (-22: these routes document no -24); a fixed code of the number that the template " +
			"could not make (-22); the orderId is not taken (-20); sensitive words (-29); " +
			"the app's periodTotalSendLimit (-27); its periodPhoneSendLimit (-28); feeFailure (-26); insufficientBalance (-10). " +
			"A refused send is not counted in the limits and leaves no message."},
		{Name: "codes", Values: "send makes the code from the template: codeType 1 digits, 2 capital letters, 3 capitals and digits, " +
			"4 hex digits in capitals, codeLength characters. A check ignores the case of letters. sendRule takes the caller's code, " +
			fmt.Sprintf("%d to %d letters or digits, whatever the template's type and length (a code under %d characters can be sent but never ", ruleCodeMin, codeMax, verifyCodeMin) +
			"checked: verify takes 4 to 10); without a templateId its SMS is \"" + engine.DefaultText + "\" and calls use the default voice settings. " +
			"The SMS is the template's text with every ##code## replaced; a call carries the same text, read in the template's language, " +
			"at its speechRate, repeatCnt times, at most maxDuration seconds; senderId is the sender. The template, app and flow are read " +
			"at the send: editing them changes later sends, not the codes already sent. A number given a fixed code " +
			"(PUT /_sandbox/numbers/{to} with \"code\") gets that code from every send and resend instead of a random one, so that a " +
			"UI test can type it; a send whose template could not make it (another codeType or codeLength) is refused -22, naming " +
			"the number's code and the template's rule. A sendRule keeps its caller's code, fixed or not: the caller chose it."},
		{Name: "verify", Values: "matched is 3 for a verificationId the account does not have (status 0, to and channel null); 4 once the " +
			"code was checked successfully, whatever code is sent; 5 once it expired or a resend replaced it, whatever code is sent; " +
			"2 for a wrong code, and the verification stays open (no limit on wrong attempts); 0 for the right code. A code is valid " +
			"for the app's codeExpiry minutes from its send and expired from that instant on (an advance of exactly codeExpiry × 60 " +
			"seconds expires it). verify never answers 1: a code still on its way can be checked."},
		{Name: "records", Values: "GET /verification/record/{verificationId} answers the latest attempt under its channel's name " +
			"(sms, call, or sna as an array) and leaves the others out; verifications.matched is 0 checked successfully, 2 a check " +
			"failed and none succeeded, 1 not checked and the last attempt still sending, -1 not checked, 3 unknown verificationId " +
			"(status 0, every other field null). POST /verification/orderId/record answers the order's latest verification, its " +
			"flowId (null without one), and every attempt of the order (send, flow steps, resends) oldest first in sms, call and sna " +
			"arrays, each with its verificationId; an orderId the app does not have is matched 3 with empty arrays; an unknown appId " +
			"is -22. Times are ISO 8601 at +08:00, the vendor's; a time that has not come (doneTm of an SMS still sending, " +
			"verifiedDate before a success) is null. An sms status is -1 sending, 0 delivered, 1 failed; a call's terminationCode " +
			"0 answered, 1 not answered, -1 still calling, its callDuration 2 seconds plus a second per character of the code per " +
			"repetition, at most maxDuration, chargedDuration that rounded up to a minute. chargeCnt is the SMS the text takes, as GSM 03.38 " +
			"counts them: 160 septets in one SMS, 153 per part of a longer one, when the GSM 7-bit alphabet can write the text (its " +
			"extension table, ^ { } \\ [ ~ ] | € and form feed, at two septets each); else 70 UTF-16 units, 67 per part (UCS-2); a part " +
			"holds whole characters (the provider's sms_segments counts alike). mcc and mnc are 0; pay, rate and cost \"0\": " +
			"the sandbox knows no networks or prices. An sna item is {snaUrl, submitTime, doneTime, status: -1 waiting, 0 fetched, " +
			"1 expired}."},
		{Name: "task flows", Values: "With a flowId, the send is step 0 and the flow's nodes run in order: node n falls due " +
			"waitingTime seconds after node n-1 fell due (node 1 after the send), whether node n-1 sent or not. A node sends when " +
			"its trigger holds: status 1 when the last attempt failed (an attempt still sending has not failed), status 2 while the " +
			"code is not checked successfully (wrong checks included). It sends by its channel, or, with channelCut 1, by the last " +
			"attempt's channel (by its own channel when that was sna: flows have no sna). Each step carries the send's code under " +
			"the send's verificationId. The flow ends with a successful check, when the code expires (a node due at the instant of " +
			"expiry does not run) or when a resend replaces the verification. A node refused by a limit or a setting sends nothing " +
			"(the sandbox logs why) and the next node still runs. Nodes of several verifications due at the same instant run in the " +
			"order the verifications were made."},
		{Name: "send limits", Values: "periodTotalSendLimit (per app) and periodPhoneSendLimit (per app and number) are sliding " +
			"windows: a send is refused when the sends counted in the period × unit before it reach the limit; a send exactly one " +
			"period old no longer counts, so an advance of one period frees the window. send, sendRule, resend and every flow step " +
			"that sends count; refused sends do not. A disabled limit counts nothing, and starts afresh when enabled; a changed " +
			"limit applies to the next send."},
		{Name: "resend", Values: "Sends the same code under a new verificationId (the answer's), by the channel asked (sms by " +
			"default), with a new expiry from the app's codeExpiry now. The old verificationId then answers matched 5, and its flow " +
			"ends: the new one has no flow. It keeps the orderId. Refused with -22 for an unknown verificationId, one checked " +
			"successfully, and one already replaced (the reason names the newest); allowed after expiry, which it restarts. A " +
			"number's fixed code set since the send replaces the code (a sendRule's code stays). It " +
			"counts in the limits, and -29, -27, -28, -26, -10 apply to it as to a send."},
		{Name: "orderId", Values: "Unique in the account: a send or sendRule with an orderId that a kept verification has answers " +
			"-20, naming that verificationId. An empty orderId is none."},
		{Name: "sna", Values: "channel sna answers snaUrl <the sandbox's public address>" + engine.SNAPath + "<token> (otp-sandbox " +
			"-public-url, by default the address it listens on; never taken from a request): a GET " +
			"there, unsigned, as the phone's network would make it, completes the verification (HTTP 200, matched 0); again, 409 " +
			"and matched 4; after the code expired, 410 and matched 5; an unknown token, 404. An sna verification has a code too, " +
			"so that a resend or a flow step by sms or call can carry it, and verify accepts it. snaUrl is null for sms and call."},
		{Name: "null and absent", Values: "A field the vendor documents is always present, null when it has no value (snaUrl, " +
			"flowId, orderId, verifiedDate and the times of the records); an error answer has no data, as on the configuration routes."},
		{Name: "phone numbers", Values: engine.NumberRanges() + " PUT /_sandbox/numbers/{to} sets one number's outcome, over its " +
			"range, and may fix the code its sends carry; the fields it leaves out keep the number's current values (a code alone " +
			"leaves a number of 9991… failing its SMS). " +
			"An attempt's outcome is fixed when it is made: a later change applies to later attempts."},
		{Name: "clock", Values: "Each account has its own clock for the service: real time plus an offset that POST /_sandbox/clock " +
			"moves forward (never back). Expiries, limit windows, flow steps and the times in records and messages read it. Flow " +
			"steps run when a request of the account comes in (before it is served), each at its own due time, in due-time order; " +
			"an advance runs every step due by the new time before it answers; nothing runs in the background, so results do not " +
			"depend on timing. The timestamp window of signatures keeps to real time (plus clockSkewSeconds), so moving the clock " +
			"never makes a signature stale. The offset is kept in the state file: after a restart the clock reads where it would have, " +
			"and never before a time the file holds. A reset of the account puts it back to real time."},
		{Name: "memory", Values: fmt.Sprintf("An account keeps its newest attempts (messages), %d by default (otp-sandbox "+
			"-retention), and at most its share of %d for the whole sandbox (-retention-total ÷ the accounts, when that is less): "+
			"past that, its oldest verifications are forgotten whole, with their attempts; a forgotten verificationId "+
			"answers as an unknown one and its orderId is free again. The limit windows keep one time per counted send still "+
			"inside its period.", DefaultRetention, DefaultRetentionTotal)},
		{Name: "state file", Values: "With -state, the verifications and their attempts (so the messages), the purges of the " +
			"messages, the clock's offset, the numbers' outcomes and fixed codes, and the settings are kept across restarts, each " +
			"change written before it is answered: sends, sendRules, resends with their mark on the old verification, checks right " +
			"and wrong, sna completions, flow steps, purges, advances, numbers, settings, imports. A change that cannot be written " +
			"answers -18 (500 on the control surface) and is undone: codes still check, flows go on, the limits still count, " +
			"exactly as answered. The faults are not kept: a restart starts without any."},
		{Name: "not emulated", Values: "Real delivery, audio, and delivery reports pushed to a customer's server (the vendor documents " +
			"none); prices and balances (-10 and -26 come only from the settings); IP allow-lists (-2) and -25 (out of time range); " +
			"several SMS routes (channelCut switches the channel, not a route); the console's statistics. " +
			"What -29 looks for is the settings' list of words, not the vendor's."},
	}
}

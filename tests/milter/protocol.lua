-- protocol.lua: one case of the milter protocol test, run by run.sh as
--   miltertest -D sock=unix:PATH -D case=NAME -D samples=DIR -s protocol.lua
-- The case name says what backscatter-milter must do; error() fails it.

local function read_file(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("*a")
	f:close()
	return s
end

-- Splits a message into header fields {name, value} as an MTA passes
-- them (folded lines joined by LF, the blank after the colon dropped) and
-- the body in CRLF, as on the wire.
local function parse(text)
	text = text:gsub("\r\n", "\n")
	local head, body = text:match("^(.-)\n\n(.*)$")
	if head == nil then head, body = text, "" end
	local fields = {}
	for line in (head .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields][2] = fields[#fields][2] .. "\n" .. line
		else
			local name, value = line:match("^([^:]+):[ ]?(.*)$")
			if name ~= nil then fields[#fields + 1] = { name, value } end
		end
	end
	return fields, (body:gsub("\n", "\r\n"))
end

local conn = mt.connect(sock, 40, 0.25)
if conn == nil then error("cannot connect to " .. sock) end
if mt.conninfo(conn, "mx.example.net", "192.0.2.1") ~= nil then
	error("conninfo failed")
end

-- One message.  Returns "eoh" when it was accepted after its header,
-- else "eom" with the end-of-message reply to check.
local function send(o)
	local fields, body = parse(o.text or read_file(samples .. "/" .. o.file))
	if o.drop then
		local kept = {}
		for _, f in ipairs(fields) do
			if f[1]:lower() ~= o.drop:lower() then kept[#kept + 1] = f end
		end
		fields = kept
	end
	for _, f in ipairs(o.extra or {}) do table.insert(fields, 1, f) end
	if o.auth then
		mt.macro(conn, SMFIC_MAIL, "i", "4XQID1", "{auth_authen}", o.auth)
	else
		mt.macro(conn, SMFIC_MAIL, "i", "4XQID2")
	end
	if mt.mailfrom(conn, o.from or "<>") ~= nil then error("mailfrom") end
	mt.macro(conn, SMFIC_RCPT, "{rcpt_mailer}", o.mailer or "local")
	if mt.rcptto(conn, o.rcpt or "<kim@example.org>") ~= nil then
		error("rcptto")
	end
	if mt.getreply(conn) == SMFIR_ACCEPT then return "mail" end
	for _, f in ipairs(fields) do
		if mt.header(conn, f[1], f[2]) ~= nil then error("header") end
	end
	if mt.eoh(conn) ~= nil then error("eoh") end
	if mt.getreply(conn) == SMFIR_ACCEPT then return "eoh" end
	if mt.bodystring(conn, body) ~= nil then error("body") end
	if mt.eom(conn) ~= nil then error("eom") end
	return "eom"
end

local function expect(cond, what)
	if not cond then error("expected " .. what) end
end

local function inserted(prefix)
	local v = mt.getheader(conn, "X-Backscatter", 0)
	if v == nil then v = mt.getheader(conn, "X-Backscatter", 1) end
	expect(mt.eom_check(conn, MT_HDRINSERT, "X-Backscatter"),
	    "an X-Backscatter field inserted")
	expect(v ~= nil and v:sub(1, #prefix) == prefix,
	    "X-Backscatter: " .. prefix .. "..., got " .. tostring(v))
	return v
end

local normal = "From: Kim <kim@example.org>\r\nTo: lee@example.net\r\n" ..
    "Subject: lunch\r\nMessage-ID: <lunch.1@example.org>\r\n\r\nNoon?\r\n"
local autoreply = "From: Lee <lee@example.net>\r\nTo: kim@example.org\r\n" ..
    "Subject: Out of office: lunch\r\nAuto-Submitted: auto-replied\r\n" ..
    "Message-ID: <ooo.1@example.net>\r\n\r\nI am away until Monday.\r\n"

if case == "normal-untouched" then
	expect(send { text = normal, from = "<lee@example.net>" } == "eoh",
	    "a normal message accepted after its header")
elseif case == "normal-forged-removed" then
	expect(send { text = normal, from = "<lee@example.net>",
	    extra = { { "X-Backscatter", "no; forged" } } } == "eom",
	    "a normal message with a forged field to reach its end")
	expect(mt.eom_check(conn, MT_HDRDELETE, "X-Backscatter"),
	    "the forged field removed")
	expect(not mt.eom_check(conn, MT_HDRINSERT), "nothing inserted")
	expect(mt.getreply(conn) == SMFIR_CONTINUE or
	    mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
elseif case == "remote-untouched" then
	expect(send { file = "backscatter.eml", mailer = "smtp",
	    rcpt = "<someone@example.com>" } == "eoh",
	    "a bounce relayed elsewhere accepted after its header")
elseif case == "backscatter-header" then
	expect(send { file = "backscatter.eml" } == "eom", "classified")
	inserted("yes;")
	expect(not mt.eom_check(conn, MT_HDRDELETE), "nothing removed")
elseif case == "null-sender-classified" then
	-- No Auto-Submitted: the null sender alone makes it looked at.
	expect(send { file = "backscatter.eml", drop = "Auto-Submitted" }
	    == "eom", "classified")
	inserted("yes;")
elseif case == "backscatter-forged" then
	expect(send { file = "backscatter.eml", extra = {
	    { "X-Backscatter", "no; forged" },
	    { "x-BACKSCATTER ", "no; forged, blank before the colon" } } }
	    == "eom", "classified")
	inserted("yes;")
	expect(mt.eom_check(conn, MT_HDRDELETE, "X-Backscatter"),
	    "the forged fields removed")
elseif case == "autoreply-classified" then
	expect(send { text = autoreply, from = "<lee@example.net>" } == "eom",
	    "an auto-reply with a sender classified")
	inserted("")
elseif case:match("^learn%-") then
	expect(send { file = "sent/cur/" .. case:sub(7), auth = "kim",
	    from = "<kim@example.org>", rcpt = "<lee@example.net>",
	    mailer = "smtp" } == "eoh", "a submission accepted after its header")
elseif case == "legit-after-learning" then
	expect(send { file = "legit-bounce.eml" } == "eom", "classified")
	local v = inserted("no;")
	expect(v:find("ledger-sent", 1, true), "ledger-sent in " .. v)
elseif case == "backscatter-reject" then
	expect(send { file = "backscatter.eml" } == "eom", "classified")
	-- The code and text come in the final reply, which miltertest
	-- does not show; the end-to-end test reads them from Postfix.
	expect(mt.getreply(conn) == SMFIR_REPLYCODE, "a reply code (550)")
elseif case == "legit-accepted" then
	expect(send { file = "legit-bounce.eml" } == "eom", "classified")
	expect(mt.getreply(conn) ~= SMFIR_REPLYCODE, "no rejection")
	inserted("no;")
elseif case == "backscatter-discard" then
	expect(send { file = "backscatter.eml" } == "eom", "classified")
	expect(mt.getreply(conn) == SMFIR_DISCARD, "discarded")
elseif case == "backscatter-quarantine" then
	expect(send { file = "backscatter.eml" } == "eom", "classified")
	expect(mt.eom_check(conn, MT_QUARANTINE), "quarantined")
	inserted("yes;")
elseif case == "batv-envelope" then
	-- The tag is on the envelope recipient only (To: is untagged): the
	-- milter hands it on as backscatter-check sees it after delivery.
	expect(send { file = "legit-bounce.eml", rcpt = "<" .. rcpt .. ">" }
	    == "eom", "classified")
	local v = inserted("no;")
	expect(v:find("batv-valid", 1, true), "batv-valid in " .. v)
elseif case == "too-large" then
	expect(send { file = "backscatter.eml" } == "eom", "reached its end")
	expect(mt.getreply(conn) ~= SMFIR_REPLYCODE, "no rejection")
	inserted("unknown; reason=too-large")
elseif case == "time-budget" then
	expect(send { file = "backscatter.eml" } == "eom", "reached its end")
	expect(mt.getreply(conn) ~= SMFIR_REPLYCODE, "no rejection")
	inserted("unknown; reason=time-budget")
else
	error("no case " .. tostring(case))
end
mt.disconnect(conn)

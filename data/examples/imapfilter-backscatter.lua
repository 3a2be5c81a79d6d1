-- imapfilter-backscatter.lua: move backscatter out of an IMAP inbox
-- (Gmail, Outlook.com, Fastmail, Dovecot, any IMAP server).
--
-- Every new message (unseen, and not checked before) is fetched and
-- piped to backscatter-check; exit status 0 means backscatter, and those
-- are moved to the Junk folder.  Every other status leaves the message
-- where it is: a legitimate bounce, a message that is no bounce, and any
-- failure of the check (fail open).  Checked messages get the keyword
-- BackscatterChecked, so each is fetched once.
--
-- Run it from cron, or as a daemon with imapfilter's -d (see become_daemon
-- below):
--     imapfilter -c imapfilter-backscatter.lua
-- Each setting below may be given in the environment instead.  The
-- password, when not given, is asked for on the terminal; better keep it
-- in a file only you can read, or in a password manager (imapfilter(1)).
--
-- Gmail and Outlook.com need an app password (or OAuth2 with
-- oauth2 = ... in the IMAP table; see imapfilter_config(5)), and their
-- "Junk" is "[Gmail]/Spam" and "Junk" respectively.

local function setting(name, default)
	local v = os.getenv(name)
	if v == nil or v == '' then
		return default
	end
	return v
end

local server = setting('BS_IMAP_SERVER', 'imap.example.org')
local port = tonumber(setting('BS_IMAP_PORT', '993'))
local user = setting('BS_IMAP_USER', 'kim@example.org')
local password = setting('BS_IMAP_PASSWORD', nil)
local inbox_name = setting('BS_IMAP_INBOX', 'INBOX')
local junk_name = setting('BS_IMAP_JUNK', 'Junk')
-- The program and what it must know of you: your addresses and the hosts
-- your mail leaves through (backscatter-check(1), --address, --relay), or
-- a config file (-c).  No other output is read than the exit status.
local check = setting('BS_CHECK', 'backscatter-check')
local check_args = setting('BS_CHECK_ARGS', '')
-- TLS: "auto" (the default), "tls1.2", "tls1.3", or "none" (only for a
-- server on 127.0.0.1).
local tls = setting('BS_IMAP_TLS', 'auto')
local checked = 'BackscatterChecked'

options.timeout = 120
options.create = true		-- make the Junk folder when missing
options.subscribe = true
options.info = false

local account = IMAP {
	server = server,
	port = port,
	username = user,
	password = password,
	ssl = tls ~= 'none' and tls or nil,
}

local function run_once()
	local inbox = account[inbox_name]
	local new = inbox:is_unseen() - inbox:has_keyword(checked)
	local junk = Set {}
	local kept = Set {}

	for _, message in ipairs(new) do
		local mailbox, uid = table.unpack(message)
		-- Fetched with BODY.PEEK: the message stays unseen.
		local text = mailbox[uid]:fetch_message()

		if text ~= nil then
			local status = pipe_to(check .. ' ' .. check_args, text)

			if status == 0 then
				table.insert(junk, message)
			else
				table.insert(kept, message)
			end
		end
	end
	if #kept > 0 then
		kept:add_flags({ checked })
	end
	if #junk > 0 then
		junk:move_messages(account[junk_name])
	end
end

if setting('BS_IMAP_DAEMON', '') ~= '' then
	-- Every BS_IMAP_DAEMON seconds.
	become_daemon(tonumber(os.getenv('BS_IMAP_DAEMON')), run_once)
else
	run_once()
end

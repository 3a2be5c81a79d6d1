# learn-sent.sieve: run by imapsieve for each message stored in Sent (see
# 95-backscatter-learn-sent.conf): pipe it to the learner and keep it.
require ["vnd.dovecot.pipe", "copy"];

pipe :copy "backscatter-learn-sent";

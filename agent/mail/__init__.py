"""The mail edge: raw storage, MIME parsing, the mailbox we read and the outbox we write."""

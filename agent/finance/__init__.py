"""Finance, the people relance works for: the questions it asks them and what their answers do.

tasks.py            tasks e-mailed to finance (a missing contact, a document to check) and their tokens
contact_answers.py  read finance's free-text answer to a contact request
contact_change.py   a contact address changed by a reply is confirmed by finance before it is used
document_review.py  a person's decision on a doubtful document: confirmed (perhaps corrected) or set aside
plan_end.py         an invoice still open after its plan's last step: one task for finance, with the history
"""

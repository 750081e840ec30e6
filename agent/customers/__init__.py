"""Customers' mail: what they write back and what relance does about it.

reading.py   what a customer's reply says (a promise, a dispute, already paid...), deterministically
replies.py   what relance does about a reply, an out-of-office notice or a bounce
statement_links.py  signed, expiring, revocable links to one account's statement page
"""

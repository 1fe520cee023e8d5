"""Check computed figures against declared ones: the declared figures (:mod:`.declared`), the
comparison and its verdicts (:mod:`.compare`), the reports (:mod:`.report`)."""

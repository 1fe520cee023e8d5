"""Merge plans: the model (:mod:`.model`), plan files (:mod:`.formats`, :mod:`.dvhcvn`), the
built-in plans by name (:mod:`.catalogue`) and which units a layer is expected to hold (:mod:`.coverage`)."""

"""The geometry engine: the compiled arrangement and its Python face (:mod:`.arrange`), the clean
dissolve (:mod:`.dissolve`), the one make-valid helper (:mod:`.geometry`) and coverage quality
(:mod:`.quality`). It knows nothing of names, codes or plans."""

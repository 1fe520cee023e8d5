"""Link a layer's features to a plan's old units: which field holds what (:mod:`.fields`), name keys
(:mod:`.names`), aliases (:mod:`.aliases`), matching (:mod:`.match`), placing the features that match no
member (:mod:`.infer`) and looking units up by name (:mod:`.find`)."""

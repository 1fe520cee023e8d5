"""The merge step: its options (:mod:`.options`), the old layer prepared once (:mod:`.layer`),
linking and placing its features (:mod:`.place`), the report (:mod:`.report`, rendered for
people by :mod:`.text`) and the result (:mod:`.result`). :mod:`geoplan.pipeline` strings them
together with the crosswalk (:mod:`geoplan.crosswalk`) and the engine."""

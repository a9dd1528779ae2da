"""Note corpora: the default FluidR3_GM corpus, user-library import and the on-disk store."""

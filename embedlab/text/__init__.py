"""A corpus → prepared text: reading, decoding, repairing, segmenting and tokenising a corpus; its vocabulary, split and the pairs both trainers draw; the built-in corpora and benchmark files."""

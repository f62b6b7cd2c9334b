"""Whole-product tests: sequences of real actions across features, checked against the policy."""

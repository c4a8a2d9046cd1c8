"""The Lecture and the menu: the tour's steps, the pages, the glossary, and each step's measurements (no NumPy at import: the menu loads first)."""

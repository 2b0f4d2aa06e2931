"""Imported once by the forkserver that starts extraction workers: what every worker needs, loaded before any fork.

Topic tagging compares words with the compound splitter's 150,000 German words (about a second to load):
loaded here, every worker shares it from the start instead of spending its first file's time limit on it.
"""

from qmarchive import topics

topics.preload()

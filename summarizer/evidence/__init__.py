"""Evidence for a summary, pure Python and no model: the numbers and names it states, the article sentences behind
each of its sentences, its support score, and the back-translation check."""

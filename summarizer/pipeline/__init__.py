"""The pipeline: a `Summarizer` routes each article, summarises, checks and translates, batched across articles
and languages."""

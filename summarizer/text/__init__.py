"""Text without models: cleaning and sentence splitting, language identification, the language check and extractive
summaries."""

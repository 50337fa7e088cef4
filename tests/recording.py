"""Recording what a loaded model is asked, without changing what it answers."""


def spy(monkeypatch, model):
    """Record every generate() call of a loaded model: list of (texts, kwargs)."""
    calls = []
    original = model.generate

    def recording(texts, **kwargs):
        calls.append((list(texts), kwargs))
        return original(texts, **kwargs)

    monkeypatch.setattr(model, "generate", recording)
    return calls

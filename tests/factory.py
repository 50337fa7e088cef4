"""Build tiny random-weight seq2seq models of every family the presets use.

Each builder writes a folder that `from_pretrained` loads exactly like a hub
snapshot: a config with random weights (safetensors) plus a tokenizer trained
on the spot from the small corpus below. Nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import sentencepiece as spm
import torch

CORPUS = [
    "The city council approved a budget of 4,700 dollars on Monday.",
    "Mayor Anna Keller said the new bridge would open in 2027.",
    "Heavy rain flooded the streets of the old town for three days.",
    "Scientists found that the river was warmer than last year.",
    "Le conseil municipal a approuvé le budget lundi soir.",
    "Die Stadt hat am Montag einen neuen Haushalt beschlossen.",
    "El ayuntamiento aprobó el presupuesto el lunes por la tarde.",
    "Городской совет утвердил бюджет в понедельник.",
    "市议会周一批准了新的预算。",
    "市議会は月曜日に新しい予算を承認した。",
    "시의회는 월요일에 새 예산을 승인했다.",
    "وافق مجلس المدينة على الميزانية يوم الاثنين.",
    "नगर परिषद ने सोमवार को बजट को मंजूरी दी।",
    "Rada miasta zatwierdziła budżet w poniedziałek.",
    "De gemeenteraad keurde maandag de begroting goed.",
    "Belediye meclisi pazartesi günü bütçeyi onayladı.",
    "Міська рада затвердила бюджет у понеділок.",
    "Il consiglio comunale ha approvato il bilancio lunedì.",
    "A câmara municipal aprovou o orçamento na segunda-feira.",
] * 8

# init_std: weights far larger than a trained model's initialisation, so that the next-token
# scores are far apart and greedy/beam choices do not flip on float rounding differences
# between machines and engines (near-uniform scores made such flips common on a 16-core host).
TINY_DIMS = dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                 decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, init_std=0.1)


def _train_spm(folder: Path, name: str, vocab_size: int, **extra) -> Path:
    corpus = folder / f"{name}.corpus.txt"
    corpus.write_text("\n".join(CORPUS), encoding="utf-8")
    prefix = folder / name
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size,
        character_coverage=1.0, model_type="unigram", minloglevel=2,
        hard_vocab_limit=False, num_threads=1, **extra,
    )
    corpus.unlink()
    (folder / f"{name}.vocab").unlink()
    return prefix.with_suffix(".model")


def _save(model, folder: Path) -> Path:
    model.save_pretrained(folder)
    return folder


def build_bart(folder: Path) -> Path:
    """A BART summariser with a byte-level BPE tokenizer (like distilbart-cnn)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=600, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(str(folder))
    tok = BartTokenizer(vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"))
    tok.model_max_length = 128
    tok.save_pretrained(folder)
    config = BartConfig(vocab_size=len(tok), max_position_embeddings=128, bos_token_id=0,
                        pad_token_id=1, eos_token_id=2, decoder_start_token_id=2,
                        forced_bos_token_id=0, forced_eos_token_id=2, **TINY_DIMS)
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config)
    # like distilbart-cnn's settings, scaled down: they reach generation_config as on the hub
    model.generation_config.update(num_beams=2, max_length=40, min_length=10, length_penalty=2.0,
                                   no_repeat_ngram_size=3, early_stopping=True)
    return _save(model, folder)


def build_marian(folder: Path, target_tokens: tuple[str, ...] = ()) -> Path:
    """A Marian translator; with `target_tokens` (e.g. ``">>pol<<"``) it is multi-target."""
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    model_file = _train_spm(folder, "spm", 300)
    for name in ("source.spm", "target.spm"):
        (folder / name).write_bytes(model_file.read_bytes())
    model_file.unlink()
    sp = spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab: dict[str, int] = {}
    for piece in ["</s>", "<unk>", *target_tokens, *pieces, "<pad>"]:  # the order of the opus-mt vocabularies
        vocab.setdefault(piece, len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(source_spm=str(folder / "source.spm"), target_spm=str(folder / "target.spm"),
                          vocab=str(folder / "vocab.json"), model_max_length=64)
    tok.save_pretrained(folder)
    config = MarianConfig(vocab_size=len(vocab), max_position_embeddings=64,
                          pad_token_id=vocab["<pad>"], eos_token_id=vocab["</s>"], forced_eos_token_id=vocab["</s>"],
                          decoder_start_token_id=vocab["<pad>"], **TINY_DIMS)
    torch.manual_seed(0)
    return _save(MarianMTModel(config), folder)


def build_m2m100(folder: Path) -> Path:
    """An M2M100 many-to-many translator (sentencepiece + vocab.json + language tokens)."""
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    model_file = _train_spm(folder, "spm", 300)
    (folder / "sentencepiece.bpe.model").write_bytes(model_file.read_bytes())
    model_file.unlink()
    sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.bpe.model"))
    vocab: dict[str, int] = {}
    for piece in ["<s>", "<pad>", "</s>", "<unk>", *(sp.id_to_piece(i) for i in range(sp.get_piece_size()))]:
        vocab.setdefault(piece, len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = M2M100Tokenizer(vocab_file=str(folder / "vocab.json"),
                          spm_file=str(folder / "sentencepiece.bpe.model"), model_max_length=64)
    tok.save_pretrained(folder)
    # the real vocabulary is the pieces, then one token per language, then "madeup" words
    vocab_size = len(tok.encoder) + len(tok.lang_code_to_id) + tok.num_madeup_words
    config = M2M100Config(vocab_size=vocab_size, max_position_embeddings=64, pad_token_id=1,
                          bos_token_id=0, eos_token_id=2, decoder_start_token_id=2, **TINY_DIMS)
    torch.manual_seed(0)
    return _save(M2M100ForConditionalGeneration(config), folder)


def build_mt5(folder: Path) -> Path:
    """An mT5 summariser with a sentencepiece `spiece.model` (like mT5_multilingual_XLSum)."""
    from transformers import AutoTokenizer, MT5Config, MT5ForConditionalGeneration

    folder.mkdir(parents=True, exist_ok=True)
    _train_spm(folder, "spiece", 300, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "model_max_length": 128}), encoding="utf-8")
    tok = AutoTokenizer.from_pretrained(str(folder))
    tok.save_pretrained(folder)
    config = MT5Config(vocab_size=len(tok), d_model=32, d_kv=16, d_ff=64, num_layers=2,
                       num_decoder_layers=2, num_heads=2, pad_token_id=0, eos_token_id=1,
                       decoder_start_token_id=0, initializer_factor=5.0)
    torch.manual_seed(0)
    return _save(MT5ForConditionalGeneration(config), folder)


CHATML = ("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def build_llama(folder: Path, *, chat: bool = True, context: int = 512) -> Path:
    """A decoder-only instruction model (llama architecture, byte-level BPE, a ChatML chat template: like
    SmolLM2-Instruct, scaled down). Without `chat` it is a base model: no chat template."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    prompt = "Summarize the following news article in at most 3 sentences, written in English. Article: Summary:"
    bpe.train_from_iterator([*CORPUS, prompt], vocab_size=700, min_frequency=1, special_tokens=specials)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                  pad_token="<|endoftext|>", unk_token="<|endoftext|>", model_max_length=context)
    if chat:
        tok.chat_template = CHATML
    tok.save_pretrained(folder)
    ids = {token: tok.convert_tokens_to_ids(token) for token in specials}
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=context,
                         bos_token_id=ids["<|im_start|>"], eos_token_id=ids["<|im_end|>"],
                         pad_token_id=ids["<|endoftext|>"], initializer_range=0.5, tie_word_embeddings=True)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    # like a chat model's hub settings: sampling, which the project turns off (deterministic summaries)
    model.generation_config.update(do_sample=True, temperature=0.7, top_p=0.9, repetition_penalty=1.1)
    return _save(model, folder)


def write_gguf(folder: Path, path: Path, *, architecture: str = "llama") -> Path:
    """The llama model in `folder` as a GGUF file (float32 tensors; q and k permuted as llama.cpp's converter
    does, so that reading it back gives the same weights); `architecture` can lie, for tests of refusals."""
    import gguf
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    config = AutoConfig.from_pretrained(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    weights = AutoModelForCausalLM.from_pretrained(folder).state_dict()
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name("tiny test llama")
    writer.add_block_count(config.num_hidden_layers)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(config.rope_parameters["rope_theta"])
    writer.add_vocab_size(config.vocab_size)
    writer.add_tokenizer_model("gpt2")
    vocab = sorted(tok.get_vocab().items(), key=lambda item: item[1])
    writer.add_token_list([token for token, _ in vocab])
    writer.add_token_types([3 if token.startswith("<|") else 1 for token, _ in vocab])
    merges = json.loads(tok.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in merges])
    writer.add_bos_token_id(config.bos_token_id)
    writer.add_eos_token_id(config.eos_token_id)
    writer.add_pad_token_id(config.pad_token_id)
    if tok.chat_template:
        writer.add_chat_template(tok.chat_template)

    def permute(w, heads):
        return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)

    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}
    writer.add_tensor("token_embd.weight", weights["model.embed_tokens.weight"].numpy())
    writer.add_tensor("output_norm.weight", weights["model.norm.weight"].numpy())
    for layer in range(config.num_hidden_layers):
        for hf, name in names.items():
            w = weights[f"model.layers.{layer}.{hf}.weight"]
            if name == "attn_q":
                w = permute(w, config.num_attention_heads)
            elif name == "attn_k":
                w = permute(w, config.num_key_value_heads)
            writer.add_tensor(f"blk.{layer}.{name}.weight", w.numpy())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path

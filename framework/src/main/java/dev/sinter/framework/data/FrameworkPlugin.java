package dev.sinter.framework.data;

import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.SinterPlugin;

/** The tokenizers of this module, one registration each. */
public final class FrameworkPlugin implements SinterPlugin {
    @Override
    public void register(Plugins plugins) {
        plugins.register(TokenizerType.class, new TokenizerType(TokenizerConfig.BYTE,
                "UTF-8 bytes plus special ids (vocabulary 260)", null, path -> new ByteTokenizer()));
        plugins.register(TokenizerType.class, new TokenizerType(TokenizerConfig.LLAMA2C,
                "llama2.c's SentencePiece-style BPE", "a llama2.c tokenizer .bin", Llama2cTokenizer::load));
        plugins.register(TokenizerType.class, new TokenizerType(TokenizerConfig.HF,
                "a Hugging Face tokenizers BPE (Llama/SentencePiece or GPT-2 byte-level)",
                "a tokenizer.json or the directory holding it", HfTokenizer::load));
    }
}

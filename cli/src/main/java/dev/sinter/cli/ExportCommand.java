package dev.sinter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.HfTokenizer;
import dev.sinter.framework.data.HfTokenizerFiles;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.hf.HfConfig;
import dev.sinter.models.hf.HfExporter;
import dev.sinter.models.hf.HfLlamaImporter;
import dev.sinter.models.llama2c.Llama2cWriter;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sinter export --model PATH --format hf|llama2c --output DIR [--tokenizer PATH]}: writes a model as an HF
 * directory ({@code config.json}, {@code model.safetensors}, {@code generation_config.json}) or a llama2.c v0
 * {@code model.bin}, with the source's tokenizer: an HF tokenizer's files are copied as they are; a llama2.c tokenizer
 * is copied as {@code tokenizer.bin} and, for {@code --format hf}, also written as the {@code tokenizer.json} +
 * {@code tokenizer_config.json} that {@code transformers} reads ({@link HfTokenizerFiles#fromLlama2c}).
 */
@Command(name = "export", description = "Write a model as a Hugging Face directory or a llama2.c .bin file.")
final class ExportCommand implements Callable<Integer> {
    /** The model file written by {@code --format llama2c}. */
    static final String LLAMA2C_FILE = "model.bin";

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "run directory, checkpoint directory, HF directory or llama2.c .bin file")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer to export with the model: a llama2.c"
            + " .bin, or an HF tokenizer.json or its directory (default: the source's own, or tok*.bin beside a .bin)")
    Path tokenizer;

    @Option(names = "--format", required = true, paramLabel = "hf|llama2c",
            description = "hf: config.json + model.safetensors (F32, rotate-half RoPE); llama2c: v0 model.bin")
    String format;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "directory to write into")
    Path output;

    /**
     * The source's tokenizer as files.
     *
     * @param tokenizer the tokenizer itself (BOS/EOS), or null when the source has none
     * @param hfFiles   an HF tokenizer's files by name (empty unless the tokenizer is an HF one)
     * @param llama2c   the llama2.c tokenizer file, or null
     */
    private record SourceTokenizer(Tokenizer tokenizer, Map<String, byte[]> hfFiles, Path llama2c) {
    }

    @Override
    public Integer call() throws Exception {
        if (!format.equals("hf") && !format.equals("llama2c")) {
            throw new UsageException("--format must be hf or llama2c, got '" + format + "'");
        }
        Path source = ModelIO.resolve(model);
        if (Files.isDirectory(source) && Files.exists(output)
                && Files.isSameFile(source.toAbsolutePath(), output.toAbsolutePath())) {
            throw new UsageException("--output " + output + " is the source model's directory; choose another");
        }
        TransformerModel m = ModelIO.load(source);
        try {
            if (format.equals("hf")) {
                HfConfig.requireExpressible(m.config());
            } else {
                Llama2cWriter.requireExpressible(m.config());
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("cannot export " + source + ": " + e.getMessage());
        }
        Files.createDirectories(output);
        SourceTokenizer tok = sourceTokenizer(source);
        List<String> written = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : tok.hfFiles().entrySet()) {
            Files.write(output.resolve(f.getKey()), f.getValue());
            written.add(f.getKey());
        }
        if (tok.llama2c() != null) {
            Files.copy(tok.llama2c(), output.resolve(ModelIO.TOKENIZER_BIN), StandardCopyOption.REPLACE_EXISTING);
            written.add(ModelIO.TOKENIZER_BIN + " (llama2.c, from " + tok.llama2c() + ")");
        }
        if (format.equals("hf")) {
            if (tok.hfFiles().isEmpty() && tok.llama2c() != null) {
                written.addAll(writeHfTokenizer(tok.llama2c(), m.config().maxSeqLen()));
            }
            Integer[] ids = specialIds(source, tok.tokenizer());
            HfExporter.export(m, output, ids[0], ids[1]);
            if (HfLlamaImporter.isHfDirectory(source) && Files.isRegularFile(source.resolve(HfExporter.GENERATION_CONFIG))) {
                Files.copy(source.resolve(HfExporter.GENERATION_CONFIG), output.resolve(HfExporter.GENERATION_CONFIG),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            System.out.println("exported " + source + " to " + output + " as HF " + (m.config().attentionBias()
                    ? "Qwen2ForCausalLM" : "LlamaForCausalLM") + " (config.json, model.safetensors, "
                    + HfExporter.GENERATION_CONFIG + (m.config().ropeStyle().equals("adjacent")
                    ? "; q/k rows permuted from adjacent-pair to rotate-half RoPE" : "") + ")");
        } else {
            Llama2cWriter.write(m, output.resolve(LLAMA2C_FILE));
            System.out.println("exported " + source + " to " + output.resolve(LLAMA2C_FILE) + " as llama2.c v0"
                    + (m.config().ropeStyle().equals("half") ? " (q/k rows permuted from rotate-half to adjacent-pair"
                    + " RoPE)" : ""));
        }
        System.out.println("tokenizer: " + (written.isEmpty()
                ? "none copied (the source has no tokenizer file; a byte tokenizer has none)" : String.join(", ", written)));
        return 0;
    }

    /**
     * The tokenizer to export: {@code --tokenizer}; in a directory its own ({@link ModelIO#tokenizerOf}: an HF
     * tokenizer's files, and a llama2.c {@code tokenizer.bin} if there is one; an HF model directory's tokenizer files
     * even when Sinter cannot read them); beside a .bin the first tok*.bin by name.
     */
    private SourceTokenizer sourceTokenizer(Path source) throws IOException {
        if (tokenizer != null) {
            TokenizerType type = TokenizerType.forFile(tokenizer);
            Tokenizer tok = type.load(tokenizer); // fails with a clear line if it is not a tokenizer
            return type.name().equals(TokenizerConfig.HF)
                    ? new SourceTokenizer(tok, ModelIO.tokenizerFiles(TokenizerConfig.HF, tokenizer), null)
                    : new SourceTokenizer(tok, Map.of(), tokenizer);
        }
        if (!Files.isDirectory(source)) {
            Path bin = ModelIO.llama2cTokenizerBeside(source).orElse(null);
            return new SourceTokenizer(bin == null ? null
                    : TokenizerType.registry().get(TokenizerConfig.LLAMA2C).load(bin), Map.of(), bin);
        }
        Tokenizer tok;
        boolean unreadableHf = false;
        try {
            tok = ModelIO.tokenizerOf(source).orElse(null);
        } catch (IOException e) {
            if (!HfLlamaImporter.isHfDirectory(source)) {
                throw e;
            }
            // an HF model's own tokenizer that Sinter cannot read (e.g. Unigram) still belongs with the model
            System.err.println("note: " + e.getMessage() + "; copying its tokenizer files as they are");
            tok = null;
            unreadableHf = true;
        }
        Map<String, Path> files = ModelIO.tokenizerFilesOf(source);
        Map<String, byte[]> hf = new LinkedHashMap<>();
        if (tok instanceof HfTokenizer || unreadableHf) {
            for (Map.Entry<String, Path> f : files.entrySet()) {
                if (!f.getKey().equals(ModelIO.TOKENIZER_BIN)) {
                    hf.put(f.getKey(), Files.readAllBytes(f.getValue()));
                }
            }
        }
        return new SourceTokenizer(tok, hf, files.get(ModelIO.TOKENIZER_BIN));
    }

    /** Writes a llama2.c tokenizer as HF's tokenizer.json + tokenizer_config.json; returns the names written. */
    private List<String> writeHfTokenizer(Path tokBin, int maxSeqLen) throws IOException {
        Files.writeString(output.resolve(HfTokenizer.FILE), HfTokenizerFiles.fromLlama2c(tokBin));
        ObjectNode config = Json.mapper().createObjectNode()
                .put("tokenizer_class", "LlamaTokenizerFast")
                .put("bos_token", "<s>") // fromLlama2c's ids 1 and 2, as llama2.c's BOS and EOS
                .put("eos_token", "</s>")
                .put("unk_token", "<unk>")
                .put("add_bos_token", true)
                .put("add_eos_token", false)
                .put("model_max_length", maxSeqLen)
                .put("clean_up_tokenization_spaces", false);
        Files.writeString(output.resolve(HfTokenizer.CONFIG_FILE), Json.pretty()
                .writeValueAsString(config));
        return List.of(HfTokenizer.FILE + " (HF, made from " + tokBin.getFileName() + ")", HfTokenizer.CONFIG_FILE);
    }

    /** BOS/EOS ids for config.json: from the source's tokenizer, else an HF source's config.json; null when unknown. */
    private static Integer[] specialIds(Path source, Tokenizer tok) throws IOException {
        if (tok != null) {
            return new Integer[]{tok.bos(), tok.eos()};
        }
        if (HfLlamaImporter.isHfDirectory(source)) {
            JsonNode cfg = Json.read(source.resolve(HfConfig.FILE));
            return new Integer[]{intOrNull(cfg.get("bos_token_id")), intOrNull(cfg.get("eos_token_id"))};
        }
        return new Integer[]{null, null};
    }

    private static Integer intOrNull(JsonNode n) {
        return n != null && n.canConvertToInt() && n.isIntegralNumber() ? n.intValue() : null;
    }
}

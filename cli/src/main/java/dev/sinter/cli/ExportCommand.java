package dev.sinter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.Tokenizers;
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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sinter export --model PATH --format hf|llama2c --output DIR}: writes a model as an HF directory
 * ({@code config.json}, {@code model.safetensors}, {@code generation_config.json}) or a llama2.c v0 {@code model.bin},
 * and copies the source's tokenizer files into DIR.
 */
@Command(name = "export", description = "Write a model as a Hugging Face directory or a llama2.c .bin file.")
final class ExportCommand implements Callable<Integer> {
    /** HF tokenizer files copied from an HF source directory. */
    private static final List<String> HF_TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model");
    /** The model file written by {@code --format llama2c}. */
    static final String LLAMA2C_FILE = "model.bin";

    private static final JsonMapper JSON = new JsonMapper();

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "run directory, checkpoint directory, HF directory or llama2.c .bin file")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "llama2.c tokenizer .bin to copy (default: the source's own, or tok*.bin beside a .bin)")
    Path tokenizer;

    @Option(names = "--format", required = true, paramLabel = "hf|llama2c",
            description = "hf: config.json + model.safetensors (F32, rotate-half RoPE); llama2c: v0 model.bin")
    String format;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "directory to write into")
    Path output;

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
        Path llama2cTokenizer = llama2cTokenizer(source);
        List<String> copied = new ArrayList<>();
        if (llama2cTokenizer != null) {
            Files.copy(llama2cTokenizer, output.resolve(ModelIO.TOKENIZER_BIN), StandardCopyOption.REPLACE_EXISTING);
            copied.add(ModelIO.TOKENIZER_BIN + " (llama2.c, from " + llama2cTokenizer + ")");
        }
        if (format.equals("hf")) {
            Integer[] ids = specialIds(source, llama2cTokenizer);
            HfExporter.export(m, output, ids[0], ids[1]);
            if (HfLlamaImporter.isHfDirectory(source)) {
                copyIfPresent(source, HfExporter.GENERATION_CONFIG, copied);
                for (String f : HF_TOKENIZER_FILES) {
                    copyIfPresent(source, f, copied);
                }
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
        System.out.println("tokenizer: " + (copied.isEmpty()
                ? "none copied (the source has no tokenizer file; a byte tokenizer has none)" : String.join(", ", copied)));
        return 0;
    }

    /** The llama2.c tokenizer file of the source: --tokenizer, a checkpoint's tokenizer.bin, or tok*.bin beside a .bin. */
    private Path llama2cTokenizer(Path source) throws IOException {
        if (tokenizer != null) {
            Tokenizers.byName("llama2c", tokenizer); // fails with a clear line if it is not a llama2.c tokenizer
            return tokenizer;
        }
        if (Files.isDirectory(source)) {
            Path bin = source.resolve(ModelIO.TOKENIZER_BIN);
            return Files.isRegularFile(bin) ? bin : null;
        }
        try (var s = Files.list(source.toAbsolutePath().getParent())) {
            return s.filter(p -> p.getFileName().toString().matches("tok.*\\.bin")).sorted().findFirst().orElse(null);
        }
    }

    /**
     * BOS/EOS ids for the HF files: from the llama2.c tokenizer, a Sinter checkpoint's tokenizer, or an HF source's
     * config.json; null when unknown.
     */
    private static Integer[] specialIds(Path source, Path llama2cTokenizer) throws IOException {
        Tokenizer tok = null;
        if (llama2cTokenizer != null) {
            tok = Tokenizers.byName("llama2c", llama2cTokenizer);
        } else if (Files.isDirectory(source) && !HfLlamaImporter.isHfDirectory(source)) {
            tok = ModelIO.tokenizerOf(source).orElse(null);
        }
        if (tok != null) {
            return new Integer[]{tok.bos(), tok.eos()};
        }
        if (HfLlamaImporter.isHfDirectory(source)) {
            JsonNode cfg = JSON.readTree(source.resolve(HfConfig.FILE).toFile());
            return new Integer[]{intOrNull(cfg.get("bos_token_id")), intOrNull(cfg.get("eos_token_id"))};
        }
        return new Integer[]{null, null};
    }

    private static Integer intOrNull(JsonNode n) {
        return n != null && n.canConvertToInt() && n.isIntegralNumber() ? n.intValue() : null;
    }

    private void copyIfPresent(Path dir, String name, List<String> copied) throws IOException {
        if (Files.isRegularFile(dir.resolve(name))) {
            Files.copy(dir.resolve(name), output.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            if (!name.equals(HfExporter.GENERATION_CONFIG)) {
                copied.add(name);
            }
        }
    }
}

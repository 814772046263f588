package dev.sinter.encoders.continual;

import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.TrainableModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A prompt learner's saved state, the same for the encoder and the decoder learners: one safetensors file with the
 * model's trainable tensors (prompt sets along axis 0, and a head where there is one), the retrieval keys and the
 * method's own tensors, and as metadata the method's name, the number of sets and the task → set map. A learner with
 * more sets than a saved state loads it into its leading sets ({@link #loadLeading}).
 *
 * @param tensors  the tensors by name
 * @param metadata the metadata by key ({@code method}, {@code sets}, {@code task_to_set}, and the method's own)
 */
public record PromptState(Map<String, INDArray> tensors, Map<String, String> metadata) {

    /** A state of {@code method} with {@code model}'s trainable tensors (copies), its sets and the task → set map. */
    public static PromptState of(String method, TrainableModel model, int sets, List<Integer> taskToSet) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("method", method);
        metadata.put("sets", Integer.toString(sets));
        metadata.put("task_to_set", taskToSet.stream().map(String::valueOf).collect(Collectors.joining(",")));
        return new PromptState(new LinkedHashMap<>(copies(model)), metadata);
    }

    /** Writes the state into {@code dir} as {@code file}. */
    public void write(Path dir, String file) throws IOException {
        Files.createDirectories(dir);
        SafetensorsIO.write(dir.resolve(file), tensors, metadata);
    }

    /** Reads {@code file} of {@code dir}, which must hold a state of {@code method}. */
    public static PromptState read(Path dir, String file, String method) throws IOException {
        Path path = dir.resolve(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no " + file + " in " + dir + " (write one with save)");
        }
        Map<String, String> metadata = SafetensorsIO.readMetadata(path);
        if (!method.equals(metadata.get("method"))) {
            throw new IllegalArgumentException(path + " holds a '" + metadata.get("method") + "' learner, not '"
                    + method + "'");
        }
        return new PromptState(SafetensorsIO.read(path), metadata);
    }

    /** The number of prompt sets saved. */
    public int sets() {
        return Integer.parseInt(metadata.get("sets"));
    }

    /** The task → set map saved. */
    public List<Integer> taskToSet() {
        List<Integer> out = new ArrayList<>();
        for (String s : metadata.get("task_to_set").split(",")) {
            out.add(Integer.parseInt(s));
        }
        return out;
    }

    /** Loads the saved trainable tensors into the leading sets of {@code model}. */
    public void loadInto(TrainableModel model) {
        Map<String, INDArray> state = new LinkedHashMap<>();
        for (String name : model.parameterNames()) {
            state.put(name, tensors.get(name));
        }
        loadLeading(model, state);
    }

    /** Copies of {@code model}'s trainable variables. */
    public static Map<String, INDArray> copies(TrainableModel model) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : model.parameterNames()) {
            out.put(name, model.graph().getVariable(name).getArr().dup());
        }
        return out;
    }

    /**
     * Copies {@code state} (from a model with at most as many sets, or head rows) into the leading rows (axis 0) of
     * {@code model}'s variables; the remaining rows keep their values.
     */
    public static void loadLeading(TrainableModel model, Map<String, INDArray> state) {
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            INDArray src = e.getValue();
            INDArray dst = model.graph().getVariable(e.getKey()).getArr();
            if (src.size(0) > dst.size(0)) {
                throw new IllegalArgumentException(e.getKey() + " has " + src.size(0) + " rows, more than "
                        + dst.size(0));
            }
            INDArrayIndex[] index = new INDArrayIndex[dst.rank()];
            index[0] = NDArrayIndex.interval(0, src.size(0));
            for (int d = 1; d < index.length; d++) {
                index[d] = NDArrayIndex.all();
            }
            dst.get(index).assign(src.castTo(dst.dataType()));
        }
        SameDiffRuntime.releaseMemory();
    }
}

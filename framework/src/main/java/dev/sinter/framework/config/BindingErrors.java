package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns Jackson binding failures into one-line {@link ConfigException}s located in the YAML source. */
final class BindingErrors {
    /** Validation messages that name their key first ("lr must be > 0, got 0") are reported at that key. */
    private static final Pattern KEY_MESSAGE = Pattern.compile("([a-z][a-z0-9_.]*) (must .*)", Pattern.DOTALL);
    /** "missing required key 'steps'" is reported at the key when the YAML or an override set it to null. */
    private static final Pattern MISSING_KEY = Pattern.compile("missing required key '([a-z0-9_]+)'.*", Pattern.DOTALL);

    private BindingErrors() {
    }

    static ConfigException translate(JsonProcessingException e, YamlSource source) {
        if (!(e instanceof JsonMappingException m)) {
            return source.error("", firstLine(e.getOriginalMessage()));
        }
        String path = pathOf(m);
        if (m instanceof UnrecognizedPropertyException u) {
            return unknownKey(parent(path), u.getPropertyName(), keysOf(u.getReferringClass()), source);
        }
        if (m instanceof InvalidTypeIdException t) {
            return unknownType(t, path, source);
        }
        if (m instanceof ValueInstantiationException v) {
            return invalidValue(v, path, source);
        }
        if (m instanceof MismatchedInputException mi && mi.getTargetType() != null) {
            JsonNode value = nodeAt(source.tree(), m.getPath());
            return source.error(path, "expected " + expected(mi.getTargetType())
                    + (value.isMissingNode() ? "" : ", got " + YamlSource.describe(value)));
        }
        return source.error(path, firstLine(m.getOriginalMessage()));
    }

    private static ConfigException unknownKey(String path, String key, Set<String> known, YamlSource source) {
        String hint = Suggest.closest(key, known).map(c -> "did you mean '" + c + "'?")
                .orElseGet(() -> "valid keys: " + Suggest.list(known));
        return source.error(join(path, key), "unknown key '" + key + "'; " + hint);
    }

    private static ConfigException unknownType(InvalidTypeIdException t, String path, YamlSource source) {
        Class<?> base = t.getBaseType().getRawClass();
        String key = base.getAnnotation(JsonTypeInfo.class).property();
        List<String> names = ConfigLoader.typeNames(base);
        JsonNode section = nodeAt(source.tree(), t.getPath());
        if (!section.isObject()) {
            return source.error(path, "expected a mapping with a '" + key + "' key, got " + YamlSource.describe(section));
        }
        if (t.getTypeId() != null) {
            return source.error(join(path, key), "unknown type '" + t.getTypeId() + "', expected one of: "
                    + Suggest.list(names) + Suggest.didYouMean(t.getTypeId(), names));
        }
        return source.error(join(path, key), section.has(key)
                ? "expected a type name, one of: " + Suggest.list(names) + ", got " + YamlSource.describe(section.get(key))
                : "missing required key '" + key + "'; set it to one of: " + Suggest.list(names));
    }

    /**
     * A record's constructor rejected its values. Jackson reports unknown keys only after construction, so an
     * unknown key in the record's section is reported first: it is the likelier cause (e.g. a misspelt required key).
     */
    private static ConfigException invalidValue(ValueInstantiationException v, String path, YamlSource source) {
        Set<String> known = keysOf(v.getType().getRawClass());
        Iterator<String> keys = nodeAt(source.tree(), v.getPath()).fieldNames();
        while (keys.hasNext()) {
            String key = keys.next();
            if (!known.contains(key)) {
                return unknownKey(path, key, known, source);
            }
        }
        Throwable cause = v.getCause();
        String message = cause == null || cause.getMessage() == null
                ? firstLine(v.getOriginalMessage()) : cause.getMessage();
        Matcher keyed = KEY_MESSAGE.matcher(message);
        if (keyed.matches()) {
            return source.error(join(path, keyed.group(1)), keyed.group(2));
        }
        Matcher missing = MISSING_KEY.matcher(message);
        if (missing.matches() && source.mentions(join(path, missing.group(1)))) {
            return source.error(join(path, missing.group(1)), message);
        }
        return source.error(path, message);
    }

    /** The YAML keys a config record accepts, including the type key of a polymorphic section. */
    private static Set<String> keysOf(Class<?> type) {
        Set<String> keys = new TreeSet<>();
        DeserializationConfig config = ConfigLoader.mapper().getDeserializationConfig();
        config.introspect(config.constructType(type)).findProperties().forEach(p -> keys.add(p.getName()));
        addTypeKeys(type, keys);
        return keys;
    }

    /** The type-id key of every polymorphic interface above {@code type} (e.g. trainer records → 'type'). */
    private static void addTypeKeys(Class<?> type, Set<String> keys) {
        for (Class<?> parent : type.getInterfaces()) {
            JsonTypeInfo info = parent.getAnnotation(JsonTypeInfo.class);
            if (info != null) {
                keys.add(info.property());
            }
            addTypeKeys(parent, keys);
        }
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static JsonNode nodeAt(JsonNode root, List<JsonMappingException.Reference> refs) {
        JsonNode node = root;
        for (JsonMappingException.Reference ref : refs) {
            node = ref.getFieldName() != null ? node.path(ref.getFieldName()) : node.path(ref.getIndex());
        }
        return node;
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return Collection.class.isAssignableFrom(type) || type.isArray() ? "a list" : "a mapping";
    }

    private static String parent(String path) {
        return path.substring(0, Math.max(0, path.lastIndexOf('.')));
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String firstLine(String message) {
        return message == null ? "invalid value" : message.lines().findFirst().orElse("invalid value");
    }
}

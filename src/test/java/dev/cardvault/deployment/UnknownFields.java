package dev.cardvault.deployment;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Finds fields the Kubernetes API model does not know. The fabric8 model keeps any field it does
 * not recognise in {@code additionalProperties} instead of failing, so a misspelt
 * {@code readOnlyRootFileSystem} would otherwise pass every check while the API server refuses
 * (or, with lenient field validation, silently drops) it.
 */
final class UnknownFields {

    private UnknownFields() {
    }

    static void collect(Object node, String path, List<String> unknown) {
        if (node == null || node instanceof String || node instanceof Number || node instanceof Boolean || node instanceof Enum<?>) {
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collect(v, path + "." + k, unknown));
            return;
        }
        if (node instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                collect(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : node.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = m.getName();
            try {
                if (name.equals("getAdditionalProperties")) {
                    ((Map<?, ?>) m.invoke(node)).keySet().forEach(k -> unknown.add(path + "." + k));
                } else if (name.startsWith("get") && name.length() > 3) {
                    collect(m.invoke(node), path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), unknown);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(path + "." + name, e);
            }
        }
    }
}

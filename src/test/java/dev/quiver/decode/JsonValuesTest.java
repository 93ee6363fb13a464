package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

    @Test
    void parsesTextAndBytesIntoSchemalessValues() {
        assertThat(JsonValues.parse("{\"a\": 1, \"b\": [true, null], \"c\": 1.5}"))
                .isEqualTo(Map.of("a", 1L, "b", java.util.Arrays.asList(true, null), "c", 1.5));
        assertThat(JsonValues.parse("[1]".getBytes(StandardCharsets.UTF_8))).isEqualTo(List.of(1L));
    }

    @Test
    void rejectsWhatATrustworthyLandingZoneMustNotGuessAt() {
        assertThatThrownBy(() -> JsonValues.parse("{\"a\": 1, \"a\": 2}")).isInstanceOf(DataException.class)
                .hasMessageContaining("Duplicate field 'a'");
        assertThatThrownBy(() -> JsonValues.parse("{\"a\": NaN}")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> JsonValues.parse("{\"a\": 1} trailing")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> JsonValues.parse("")).isInstanceOf(DataException.class);
        assertThatThrownBy(() -> JsonValues.parse(new byte[] {(byte) 0xC3, 0x28}))
                .isInstanceOf(DataException.class);
        assertThatThrownBy(() -> JsonValues.parse(42L)).hasMessageContaining("needs a string or bytes value");
    }

    @Test
    void tenThousandLevelsOfNestingFailCleanlyWithoutStackOverflow() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertThatThrownBy(() -> JsonValues.parse(deep)).isInstanceOf(DataException.class)
                .hasMessageContaining("nesting depth");
    }
}

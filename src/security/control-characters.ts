/**
 * Control characters (Unicode category Cc): C0 (NUL to U+001F), DEL and C1 (U+0080 to U+009F).
 * In a value that reaches a terminal, a page or a log line they can move the cursor, recolour or
 * clear the screen, or end the line early; no name, URL or identifier needs one.
 */
export const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Invisible formatting characters (Unicode category Cf): zero-width spaces and joiners,
 * bidirectional marks and overrides (U+202E shows what follows backwards), the byte-order mark.
 * They let two different strings look the same, or one look like another.
 */
export const INVISIBLE_CHARACTER = /\p{Cf}/u;

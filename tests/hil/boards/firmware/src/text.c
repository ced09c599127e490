/* Fixed-buffer text: what does not fit is cut, and the buffer always ends with a NUL. */
#include "text.h"

static void put(text_t *text, char c)
{
    if (text->used + 1u < text->size) {
        text->buf[text->used++] = c;
        text->buf[text->used] = '\0';
    }
}

void text_init(text_t *text, char *buf, uint32_t size)
{
    text->buf = buf;
    text->size = size;
    text->used = 0u;
    buf[0] = '\0';
}

void text_str(text_t *text, const char *str)
{
    while (*str != '\0') {
        put(text, *str++);
    }
}

void text_u32(text_t *text, uint32_t value)
{
    char digits[10];
    unsigned count = 0;
    do {
        digits[count++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    while (count > 0u) {
        put(text, digits[--count]);
    }
}

void text_hex(text_t *text, uint32_t value, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    while (digits > 0u) {
        digits--;
        put(text, hex[(value >> (4u * digits)) & 0xFu]);
    }
}

/* Building text in a fixed buffer: strings, decimal and hex numbers (no printf on this target). */
#ifndef FSW_TEXT_H
#define FSW_TEXT_H

#include <stdint.h>

typedef struct {
    char *buf;
    uint32_t size; /* room for size - 1 characters and a terminating NUL */
    uint32_t used;
} text_t;

void text_init(text_t *text, char *buf, uint32_t size);
void text_str(text_t *text, const char *str);
void text_u32(text_t *text, uint32_t value);
void text_hex(text_t *text, uint32_t value, unsigned digits);

#endif

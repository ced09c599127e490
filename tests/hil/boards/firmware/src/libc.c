/* The two C library functions the compiler may call on its own (struct copies and zeroing). */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n-- > 0u) {
        *d++ = *s++;
    }
    return dst;
}

void *memset(void *dst, int value, size_t n)
{
    unsigned char *d = dst;
    while (n-- > 0u) {
        *d++ = (unsigned char)value;
    }
    return dst;
}

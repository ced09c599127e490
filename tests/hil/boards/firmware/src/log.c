/* The log: a line is assembled in a buffer and written whole, so lines never interleave. */
#include "log.h"

#include "board.h"
#include "uart.h"

static char buffer[192];
static text_t line;

text_t *log_begin(void)
{
    text_init(&line, buffer, sizeof buffer - 1u); /* one place kept for the newline */
    return &line;
}

void log_end(void)
{
    buffer[line.used] = '\n';
    uart_write(UART_LOG, (const uint8_t *)buffer, line.used + 1u);
}

void log_line(const char *text)
{
    text_str(log_begin(), text);
    log_end();
}

/* Text lines on the log UART: build a line with log_begin()'s text, then log_end() writes it whole. */
#ifndef FSW_LOG_H
#define FSW_LOG_H

#include "text.h"

text_t *log_begin(void);
void log_end(void);
void log_line(const char *line);

#endif

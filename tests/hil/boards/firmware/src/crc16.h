/* CRC-16/CCITT-FALSE, the PUS packet error control (as protocols/crc.py). */
#ifndef FSW_CRC16_H
#define FSW_CRC16_H

#include <stdint.h>

#define CRC16_INIT 0xFFFFu

uint16_t crc16(const uint8_t *data, uint32_t len, uint16_t crc);

#endif

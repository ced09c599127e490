/* CRC-16/CCITT-FALSE: polynomial 0x1021, MSB first, no reflection, no final XOR; "123456789" gives 0x29B1. */
#include "crc16.h"

uint16_t crc16(const uint8_t *data, uint32_t len, uint16_t crc)
{
    while (len-- > 0u) {
        crc ^= (uint16_t)(*data++ << 8);
        for (unsigned bit = 0; bit < 8u; bit++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

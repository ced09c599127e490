/* PUS-C packets (as protocols/pus.py): telecommands built, telemetry parsed. */
#ifndef FSW_PUS_H
#define FSW_PUS_H

#include <stdint.h>

#define PUS_TC_OVERHEAD 13u /* primary header 6, secondary header 5, CRC 2 */
#define PUS_TM_HEADERS 19u  /* primary header 6, secondary header 7 + CUC time 6 */
#define PUS_REQUEST_ID_SIZE 4u

typedef struct {
    uint16_t apid;
    uint16_t seq_count;
    uint8_t service;
    uint8_t subtype;
    uint16_t msg_counter;
    uint16_t destination;
    uint32_t time_coarse; /* CUC: seconds since 1958 TAI */
    uint16_t time_fine;   /* 2^-16 s */
    const uint8_t *app_data;
    uint32_t app_len;
} tm_t;

typedef enum { TM_OK = 0, TM_TOO_SHORT, TM_NOT_TM, TM_BAD_LENGTH, TM_BAD_VERSION } tm_error_t;

uint32_t pus_build_tc(uint8_t *out, uint16_t apid, uint16_t seq_count, uint8_t service, uint8_t subtype,
                      uint16_t source_id, const uint8_t *app_data, uint32_t app_len);
tm_error_t pus_parse_tm(const uint8_t *packet, uint32_t len, tm_t *tm);
uint32_t be_read(const uint8_t *data, uint32_t size); /* an unsigned big-endian field of 1..4 octets */

#endif

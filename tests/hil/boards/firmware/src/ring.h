/* A single-producer single-consumer byte ring: one side in an interrupt handler, the other in the main loop. */
#ifndef FSW_RING_H
#define FSW_RING_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    uint32_t mask; /* capacity - 1; capacity is a power of two */
    volatile uint32_t head; /* written by the producer only */
    volatile uint32_t tail; /* written by the consumer only */
} ring_t;

void ring_init(ring_t *ring, uint8_t *storage, uint32_t capacity);
bool ring_put(ring_t *ring, uint8_t byte);
bool ring_get(ring_t *ring, uint8_t *byte);
uint32_t ring_used(const ring_t *ring);
uint32_t ring_free(const ring_t *ring);

#endif

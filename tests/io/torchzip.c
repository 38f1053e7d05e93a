#include "io_test.h"

void iot_torchzip(iot *t)
{
    (void)t;
}

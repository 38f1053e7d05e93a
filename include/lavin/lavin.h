/* lavin's public API: the context (versions, errors, logging, devices),
 * models, sessions, pictures and answers. Picture and video files are in
 * lavin/media.h. */
#ifndef LAVIN_LAVIN_H
#define LAVIN_LAVIN_H

#include "lavin/context.h"
#include "lavin/model.h"
#include "lavin/picture.h"
#include "lavin/session.h"

#endif

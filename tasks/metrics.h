/* How right an in-context answer is, against exact targets from the
 * procedural renderer: the figures lavin-tiny is judged by (issue 7) and
 * that its CI test guards. Predictions are the model's 8-bit RGB outputs,
 * decoded as the bundled contexts encode targets (contexts/<task>/README.md). */
#ifndef LAVIN_TASKS_METRICS_H
#define LAVIN_TASKS_METRICS_H

#include "tasks/task.h"

/* AbsRel of depth. pred is gray normalised inverse depth (near bright); it is
 * aligned to the truth's inverse depth 1/d by least-squares scale and shift
 * over the valid pixels (depth > 0 and finite; the sky is invalid), turned
 * into depth, and mean |d_pred - d| / d is returned. Aligned inverse depths
 * are clamped to at least a tenth of the smallest true one. */
double lavin_metric_depth_absrel(const lavin_image *pred, const float *depth);

/* Mean angle in degrees between the decoded, renormalised normals of pred
 * and of the truth picture, over the truth's non-sky pixels (sky is encoded
 * (128, 128, 255)). NaN when every pixel is sky. */
double lavin_metric_normal_degrees(const lavin_image *pred, const lavin_image *truth);

/* Mean intersection over union of the classes that truth or prediction
 * contains, each pixel labelled by the nearest colour of pal. */
double lavin_metric_miou(const lavin_image *pred, const lavin_image *truth, const lavin_palette *pal);

/* F1 of edge pixels (luma >= 128) with a tolerance of radius pixels
 * (Chebyshev): a predicted edge pixel is right when a true one lies that
 * close, and a true one is found when a predicted one does. 1 when neither
 * has edges, 0 when only one has. */
double lavin_metric_edge_f1(const lavin_image *pred, const lavin_image *truth, int radius);

#endif

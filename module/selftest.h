/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-module self-tests (chapter 2 and after), run at load time with
 * "insmod wgtour.ko selftest=1".
 */
#ifndef _WGTOUR_SELFTEST_H
#define _WGTOUR_SELFTEST_H

int wgt_selftest_run(void);

#endif /* _WGTOUR_SELFTEST_H */

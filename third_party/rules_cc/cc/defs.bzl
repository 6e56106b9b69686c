"""rules_cc for Bazel 4.2 without a download: each rule forwards to the native one.

Debian's bazel-rules-cc is too new for Bazel 4.2, and Starlark in 4.2 forbids nested
functions, so each forwarder is written out.
"""

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)

def objc_library(**attrs):
    native.objc_library(**attrs)

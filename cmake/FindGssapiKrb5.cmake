# Finds MIT krb5's GSS-API library (Debian: libkrb5-dev) and defines GssapiKrb5::GssapiKrb5.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_GSSAPI_KRB5 QUIET krb5-gssapi)
endif()
find_path(GssapiKrb5_INCLUDE_DIR gssapi/gssapi_krb5.h HINTS ${PC_GSSAPI_KRB5_INCLUDE_DIRS})
find_library(GssapiKrb5_LIBRARY NAMES gssapi_krb5 HINTS ${PC_GSSAPI_KRB5_LIBRARY_DIRS})
find_library(GssapiKrb5_KRB5_LIBRARY NAMES krb5 HINTS ${PC_GSSAPI_KRB5_LIBRARY_DIRS})
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(GssapiKrb5
  REQUIRED_VARS GssapiKrb5_LIBRARY GssapiKrb5_KRB5_LIBRARY GssapiKrb5_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "install libkrb5-dev (apt-get install libkrb5-dev)")
if(GssapiKrb5_FOUND AND NOT TARGET GssapiKrb5::GssapiKrb5)
  add_library(GssapiKrb5::GssapiKrb5 UNKNOWN IMPORTED)
  set_target_properties(GssapiKrb5::GssapiKrb5 PROPERTIES
    IMPORTED_LOCATION ${GssapiKrb5_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${GssapiKrb5_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES ${GssapiKrb5_KRB5_LIBRARY})
endif()
mark_as_advanced(GssapiKrb5_INCLUDE_DIR GssapiKrb5_LIBRARY GssapiKrb5_KRB5_LIBRARY)

// The site sample's handlers: login with a signed cookie, a greeting, an upload form, logout.
#pragma once

#include "native/application.hpp"

namespace site {

// The routes of the site; the application has its cookie_secret, xsrf_cookies, template_path and static_path set.
void add_site_routes(updraft::Application& app);

}  // namespace site

#include "troupe/ops/management_endpoint.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "troupe/ops/management_routes.hpp"
#include "troupe/node/log.hpp"

namespace troupe {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

/// One client connection: reads requests one after another (keep-alive), answers each.
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, const management_options& options, management_routes& routes,
          std::atomic<std::size_t>& connections)
      : stream_(std::move(socket)), options_(options), routes_(routes), connections_(connections) {}
  ~session() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Closes the connection from another thread (on stop): pending reads and writes end.
  void cancel() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(options_.request_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

 private:
  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return refuse(431, "the request header is larger than " + std::to_string(options_.max_header_bytes) + " bytes");
    if (ec == http::error::body_limit)
      return refuse(413, "the request body is larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || (ec && !is_http_error(ec)))
      return close();  // the client went away, or said nothing in time
    if (ec) return refuse(400, "malformed request: " + ec.message());
    auto& req = parser_->get();
    if (!req.target().starts_with("/")) return refuse(400, "the request target must be a path");
    const std::string_view target(req.target().data(), req.target().size());
    if (req.method() == http::verb::post && management_routes::is_write(target)) return write_request(req, target);
    if (req.method() != http::verb::get) return answer({405, "application/json", "{\"error\": \"GET only\"}\n"}, req);
    answer(routes_.get(target), req);
  }

  /// A write (see the file doc): served only with writes on and the right bearer token.
  void write_request(const http::request<http::string_body>& req, std::string_view target) {
    if (options_.admin_token.empty())
      return answer({403, "application/json",
                     "{\"error\": \"this endpoint is read-only; start the node with --http-admin to allow down\"}\n"}, req);
    const auto given = req[http::field::authorization];
    if (!same_secret(std::string_view(given.data(), given.size()), "Bearer " + options_.admin_token)) {
      log()->warn("management endpoint: a {} without the right bearer token was refused", std::string(target));
      return answer({401, "application/json", "{\"error\": \"Authorization: Bearer <the node's cookie> is required\"}\n"}, req);
    }
    answer(routes_.post(target), req);
  }

  /// Compares in time independent of where the texts differ (no timing oracle for the token).
  static bool same_secret(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<std::size_t>(b.size(), 1)]);
    return diff == 0;
  }

  void answer(http_answer a, const http::request<http::string_body>& req) {
    write(std::move(a), req.version(), req.keep_alive());
  }

  /// Answers a request that will not be served, then closes: the rest of the stream is not trusted.
  void refuse(unsigned status, const std::string& why) {
    log()->debug("management endpoint: refused a request ({}): {}", status, why);
    write({status, "application/json", nlohmann::json({{"error", why}}).dump() + "\n"}, 11, false);
  }

  void write(http_answer a, unsigned version, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(a.status), version);
    res->set(http::field::server, "troupe");
    res->set(http::field::content_type, a.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    if (a.status == 405) res->set(http::field::allow, "GET");
    if (a.status == 401) res->set(http::field::www_authenticate, "Bearer");
    res->keep_alive(keep_alive);
    res->body() = std::move(a.body);
    res->prepare_payload();
    stream_.expires_after(options_.request_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const management_options& options_;
  management_routes& routes_;
  std::atomic<std::size_t>& connections_;
};

}  // namespace

struct management_endpoint::impl {
  impl(cluster_node& n, management_options o)
      : options(std::move(o)), routes(n, std::max<std::size_t>(options.threads, 1), options.admin_timeout),
        acceptor(asio::make_strand(ioc)) {}

  result<void> bind() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options.address, ec);
    if (ec) return fail(errc::invalid_argument, "'" + options.address + "' is not an IP address");
    tcp::endpoint where{address, options.port};
    acceptor.open(where.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(where, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return fail(errc::invalid_argument, "cannot serve HTTP on " + options.address + ":" + std::to_string(options.port) +
                                              ": " + ec.message());
    port = acceptor.local_endpoint().port();
    if (!address.is_loopback())
      log()->warn("management endpoint on {}:{} is reachable from other machines and has no authentication",
                  options.address, port);
    return {};
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) admit(std::move(socket));
      accept();
    });
  }

  void admit(tcp::socket socket) {
    if (connections.fetch_add(1, std::memory_order_relaxed) >= options.max_connections) {
      connections.fetch_sub(1, std::memory_order_relaxed);
      log()->debug("management endpoint: {} connections already, closing a new one", options.max_connections);
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    auto s = std::make_shared<session>(std::move(socket), options, routes, connections);
    {
      std::lock_guard lock(sessions_mutex);
      if (stopping) return;  // accepted while stopping: closed as `s` goes
      std::erase_if(sessions, [](auto& w) { return w.expired(); });
      sessions.push_back(s);
    }
    s->read();
  }

  void run() {
    accept();
    for (std::size_t i = 0; i < std::max<std::size_t>(options.threads, 1); ++i) threads.emplace_back([this] { ioc.run(); });
  }

  /// Closes the acceptor and every connection; the threads return once nothing is left to do
  /// (a request being answered finishes first: its admin call is bounded by admin_timeout).
  void stop() {
    if (stopped) return;
    stopped = true;
    asio::post(acceptor.get_executor(), [this] {
      beast::error_code ignored;
      acceptor.close(ignored);
    });
    {
      std::lock_guard lock(sessions_mutex);
      stopping = true;
      for (auto& w : sessions)
        if (auto s = w.lock()) s->cancel();
      sessions.clear();
    }
    for (auto& t : threads) t.join();
    threads.clear();
  }

  // Destroyed in reverse: the sessions left in the io_context go with it, before the
  // connection count, routes and options they point to.
  management_options options;
  management_routes routes;
  std::atomic<std::size_t> connections{0};
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<session>> sessions;  ///< to close them on stop; guarded by sessions_mutex
  bool stopping = false;                          ///< guarded by sessions_mutex
  std::uint16_t port = 0;
  bool stopped = false;
};

result<management_options> parse_http_address(const std::string& text) {
  management_options o;
  std::string port_text = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    o.address = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (o.address.size() >= 2 && o.address.front() == '[' && o.address.back() == ']')
      o.address = o.address.substr(1, o.address.size() - 2);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 || o.address.empty())
    return fail(errc::invalid_argument, "--http wants [ADDR:]PORT (e.g. 127.0.0.1:8080), not '" + text + "'");
  o.port = static_cast<std::uint16_t>(port);
  boost::system::error_code bad;
  boost::asio::ip::make_address(o.address, bad);  // checked here, before a node starts
  if (bad) return fail(errc::invalid_argument, "--http wants an IP address, not '" + o.address + "' (in '" + text + "')");
  return o;
}

management_endpoint::management_endpoint(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

management_endpoint::~management_endpoint() { stop(); }

result<std::unique_ptr<management_endpoint>> management_endpoint::start(cluster_node& n, management_options options) {
  auto i = std::make_unique<impl>(n, std::move(options));
  if (auto r = i->bind(); !r) return std::unexpected(r.error());
  i->run();
  return std::unique_ptr<management_endpoint>(new management_endpoint(std::move(i)));
}

void management_endpoint::stop() {
  if (impl_) impl_->stop();
}

std::uint16_t management_endpoint::port() const noexcept { return impl_->port; }

std::string management_endpoint::url() const {
  bool v6 = impl_->options.address.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + impl_->options.address + "]" : impl_->options.address) + ":" + std::to_string(port());
}

}  // namespace troupe

// The frames between the worker and a plugin-host child: bytes carried exactly (a plugin's
// output is checked by the worker as the plugin wrote it), and a broken or oversized frame is an
// error, never a crash or an unbounded allocation.
#include "wire.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <future>

using namespace relance::host::detail;

namespace {

struct SocketPair {
    int fd[2];
    SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0); }
    ~SocketPair() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
    void write_raw(const std::string& bytes) {
        ASSERT_EQ(::write(fd[0], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    }
};

auto soon() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(5);
}

std::string u32(std::uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

}  // namespace

TEST(Wire, MessagesCrossByteForByte) {
    SocketPair p;
    std::string binary("a\0b\xff\xfe{}", 7);
    // Larger than the socket's buffer: the writer waits for the reader, frame by frame.
    auto sent = std::async(std::launch::async, [&] {
        FrameWriter writer(p.fd[0]);
        bool ok = writer.send(
            Message{MsgType::answer, 42, {"0", binary, "", std::string(3u << 20, 'x')}}, soon());
        ok = ok && writer.send(Message{MsgType::service, 7, {}}, soon());
        ::shutdown(p.fd[0], SHUT_WR);
        return ok;
    });
    FrameReader reader(p.fd[1]);
    auto m = reader.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, MsgType::answer);
    EXPECT_EQ(m->id, 42u);
    ASSERT_EQ(m->fields.size(), 4u);
    EXPECT_EQ(m->fields[1], binary);
    EXPECT_EQ(m->fields[3].size(), 3u << 20);
    EXPECT_EQ(m->field(9), "");
    auto second = reader.next();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->type, MsgType::service);
    EXPECT_FALSE(reader.next());  // the peer closed between frames: a clean end
    EXPECT_TRUE(sent.get());
}

TEST(Wire, BrokenFramesAreErrors) {
    {
        SocketPair p;
        p.write_raw(u32(static_cast<std::uint32_t>(kMaxFrameBytes + 1)));
        FrameReader reader(p.fd[1]);
        EXPECT_THROW(reader.next(), WireError);  // refused before anything is allocated
    }
    {
        SocketPair p;
        // 13 bytes of header claiming one field of 100 bytes that the frame does not hold.
        std::string frame =
            u32(17) + std::string(1, char(12)) + std::string(8, '\0') + u32(1) + u32(100);
        p.write_raw(frame);
        FrameReader reader(p.fd[1]);
        EXPECT_THROW(reader.next(), WireError);
    }
    {
        SocketPair p;
        p.write_raw(u32(40) + "short");
        ::shutdown(p.fd[0], SHUT_WR);
        FrameReader reader(p.fd[1]);
        EXPECT_THROW(reader.next(), WireError);  // closed mid-frame
    }
}

TEST(Wire, AWriterNeverBlocksPastItsDeadline) {
    SocketPair p;  // nobody reads fd[1]
    FrameWriter writer(p.fd[0]);
    std::string big(8u << 20, 'x');
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    EXPECT_FALSE(writer.send(Message{MsgType::invoke, 1, {big}}, deadline));
    ::close(p.fd[1]);
    p.fd[1] = ::dup(p.fd[0]);  // keep the destructor's close valid
    // The peer is gone: an error at once, and no SIGPIPE takes the process down.
    EXPECT_FALSE(writer.send(Message{MsgType::invoke, 2, {"x"}}, soon()));
}

TEST(Wire, FieldNumbers) {
    EXPECT_EQ(field_number<int>("42", -1), 42);
    EXPECT_EQ(field_number<int>("42x", -1), -1);
    EXPECT_EQ(field_number<int>("", -1), -1);
    EXPECT_EQ(field_number<std::int64_t>("-7", 0), -7);
}

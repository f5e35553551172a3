//! Unit tests of the pipe file system (io::pipe).
use super::*;

fn params(message: bool) -> CreateParams {
    CreateParams {
        access: FILE_READ_DATA | FILE_WRITE_DATA,
        share: FILE_SHARE_READ | FILE_SHARE_WRITE,
        disposition: 3,
        options: 0x20,
        message_type: message,
        read_message: message,
        complete_operation: false,
        max_instances: 1,
        inbound_quota: 4096,
        outbound_quota: 4096,
        default_timeout: -500_000,
    }
}

fn done(a: Attempt) -> (NtStatus, u64) {
    match a {
        Attempt::Done(s, n) => (s, n),
        Attempt::WouldBlock => panic!("would block"),
    }
}

fn end_of(file: &Arc<FileObject>) -> Arc<PipeEnd> {
    super::super::attach::pipe_of(file).expect("a pipe end")
}

#[test]
fn names() {
    let n = |s: &str| pipe_name(&s.encode_utf16().collect::<Vec<_>>());
    assert_eq!(n("\\??\\pipe\\Foo"), Some("foo".into()));
    assert_eq!(n("\\Device\\NamedPipe\\x\\y"), Some("x\\y".into()));
    assert_eq!(n("\\Device\\NamedPipe\\"), Some(String::new()));
    assert_eq!(n("\\??\\pipes\\x"), None);
    assert_eq!(n("\\??\\C:\\pipe\\x"), None);
}

#[test]
fn messages_keep_their_boundaries() {
    let server = create_instance("unit-messages", Vec::new(), &params(true)).unwrap();
    let client = open_client(
        "unit-messages",
        Vec::new(),
        FILE_READ_DATA | FILE_WRITE_DATA,
        0x20,
    )
    .unwrap();
    let (s, c) = (end_of(&server), end_of(&client));
    c.read_message.store(true, Ordering::Relaxed);
    let msg = *b"abcdef";
    let sent = std::sync::atomic::AtomicUsize::new(0);
    assert_eq!(
        done(s.write(server.raw(), msg.as_ptr() as u64, 6, &sent)),
        (STATUS_SUCCESS, 6)
    );
    let mut buf = [0u8; 4];
    let got = done(c.read(client.raw(), buf.as_mut_ptr() as u64, 4));
    assert_eq!(got, (STATUS_BUFFER_OVERFLOW, 4));
    assert_eq!(&buf, b"abcd");
    let got = done(c.read(client.raw(), buf.as_mut_ptr() as u64, 4));
    assert_eq!(got, (STATUS_SUCCESS, 2));
    assert_eq!(&buf[..2], b"ef");
    assert!(matches!(
        c.read(client.raw(), buf.as_mut_ptr() as u64, 4),
        Attempt::WouldBlock
    ));
}

#[test]
fn the_server_sees_the_client_go() {
    let server = create_instance("unit-broken", Vec::new(), &params(false)).unwrap();
    let client = open_client(
        "unit-broken",
        Vec::new(),
        FILE_READ_DATA | FILE_WRITE_DATA,
        0x20,
    )
    .unwrap();
    assert_eq!(
        open_client("unit-broken", Vec::new(), FILE_READ_DATA, 0x20).err(),
        Some(STATUS_PIPE_NOT_AVAILABLE)
    );
    let s = end_of(&server);
    drop(client);
    let mut buf = [0u8; 4];
    assert_eq!(
        done(s.read(server.raw(), buf.as_mut_ptr() as u64, 4)).0,
        STATUS_PIPE_BROKEN
    );
    assert_eq!(s.listen(server.raw()).err(), Some(STATUS_PIPE_CLOSING));
    s.disconnect(&server).unwrap();
    assert_eq!(
        done(s.read(server.raw(), buf.as_mut_ptr() as u64, 4)).0,
        STATUS_PIPE_DISCONNECTED
    );
    assert_eq!(s.listen(server.raw()), Ok(false));
    assert!(open_client("unit-broken", Vec::new(), FILE_READ_DATA, 0x20).is_ok());
}

#[test]
fn one_way_byte_pipes_are_host_pipes() {
    let mut p = params(false);
    p.access = FILE_READ_DATA;
    p.share = FILE_SHARE_WRITE;
    let server = create_instance("unit-oneway", Vec::new(), &p).unwrap();
    let s = end_of(&server);
    assert!(s.instance.pipe.host_pipe);
    assert_eq!(
        open_client("unit-oneway", Vec::new(), FILE_READ_DATA, 0x20).err(),
        Some(STATUS_ACCESS_DENIED)
    );
    let client = open_client("unit-oneway", Vec::new(), FILE_WRITE_DATA, 0x20).unwrap();
    let c = end_of(&client);
    let sent = std::sync::atomic::AtomicUsize::new(0);
    assert_eq!(
        done(c.write(client.raw(), b"xyz".as_ptr() as u64, 3, &sent)),
        (STATUS_SUCCESS, 3)
    );
    let (_, avail, _, _, data) = s.peek(server.raw(), 8).unwrap();
    assert_eq!((avail, data.as_slice()), (3, &b"xyz"[..]));
    drop(client);
    let mut buf = [0u8; 8];
    assert_eq!(
        done(s.read(server.raw(), buf.as_mut_ptr() as u64, 8)),
        (STATUS_SUCCESS, 3)
    );
    assert_eq!(
        done(s.read(server.raw(), buf.as_mut_ptr() as u64, 8)).0,
        STATUS_PIPE_BROKEN
    );
}

//! The system message table: the English (0x409) text of the Win32 error
//! codes programs print most, as Windows' own message table has them (each
//! text ends with "\r\n", as Windows' do).

/// (code, text) in ascending code order.
static SYSTEM_MESSAGES: &[(u32, &str)] = &[
    (0, "The operation completed successfully.\r\n"),
    (1, "Incorrect function.\r\n"),
    (2, "The system cannot find the file specified.\r\n"),
    (3, "The system cannot find the path specified.\r\n"),
    (4, "The system cannot open the file.\r\n"),
    (5, "Access is denied.\r\n"),
    (6, "The handle is invalid.\r\n"),
    (7, "The storage control blocks were destroyed.\r\n"),
    (
        8,
        "Not enough memory resources are available to process this command.\r\n",
    ),
    (9, "The storage control block address is invalid.\r\n"),
    (10, "The environment is incorrect.\r\n"),
    (
        11,
        "An attempt was made to load a program with an incorrect format.\r\n",
    ),
    (12, "The access code is invalid.\r\n"),
    (13, "The data is invalid.\r\n"),
    (
        14,
        "Not enough memory resources are available to complete this operation.\r\n",
    ),
    (15, "The system cannot find the drive specified.\r\n"),
    (16, "The directory cannot be removed.\r\n"),
    (
        17,
        "The system cannot move the file to a different disk drive.\r\n",
    ),
    (18, "There are no more files.\r\n"),
    (19, "The media is write protected.\r\n"),
    (21, "The device is not ready.\r\n"),
    (
        32,
        "The process cannot access the file because it is being used by another process.\r\n",
    ),
    (
        33,
        "The process cannot access the file because another process has locked a portion of the file.\r\n",
    ),
    (38, "Reached the end of the file.\r\n"),
    (39, "The disk is full.\r\n"),
    (50, "The request is not supported.\r\n"),
    (80, "The file exists.\r\n"),
    (87, "The parameter is incorrect.\r\n"),
    (109, "The pipe has been ended.\r\n"),
    (111, "The file name is too long.\r\n"),
    (112, "There is not enough space on the disk.\r\n"),
    (120, "This function is not supported on this system.\r\n"),
    (
        122,
        "The data area passed to a system call is too small.\r\n",
    ),
    (
        123,
        "The filename, directory name, or volume label syntax is incorrect.\r\n",
    ),
    (126, "The specified module could not be found.\r\n"),
    (127, "The specified procedure could not be found.\r\n"),
    (145, "The directory is not empty.\r\n"),
    (161, "The specified path is invalid.\r\n"),
    (
        183,
        "Cannot create a file when that file already exists.\r\n",
    ),
    (
        203,
        "The system could not find the environment option that was entered.\r\n",
    ),
    (206, "The filename or extension is too long.\r\n"),
    (231, "All pipe instances are busy.\r\n"),
    (232, "The pipe is being closed.\r\n"),
    (233, "No process is on the other end of the pipe.\r\n"),
    (234, "More data is available.\r\n"),
    (258, "The wait operation timed out.\r\n"),
    (259, "No more data is available.\r\n"),
    (267, "The directory name is invalid.\r\n"),
    (
        317,
        "The system cannot find message text for message number 0x%1 in the message file for %2.\r\n",
    ),
    (
        995,
        "The I/O operation has been aborted because of either a thread exit or an application request.\r\n",
    ),
    (996, "Overlapped I/O event is not in a signaled state.\r\n"),
    (997, "Overlapped I/O operation is in progress.\r\n"),
    (998, "Invalid access to memory location.\r\n"),
    (1168, "Element not found.\r\n"),
    (1314, "A required privilege is not held by the client.\r\n"),
];

/// The English text of a system message.
pub fn system_message(code: u32) -> Option<&'static str> {
    SYSTEM_MESSAGES
        .binary_search_by_key(&code, |&(c, _)| c)
        .ok()
        .map(|i| SYSTEM_MESSAGES[i].1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorted_and_terminated() {
        for w in super::SYSTEM_MESSAGES.windows(2) {
            assert!(w[0].0 < w[1].0);
        }
        for (_, text) in super::SYSTEM_MESSAGES {
            assert!(text.ends_with("\r\n"));
        }
    }
}

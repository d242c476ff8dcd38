# The watch page of a video (/w/{id}) and the page of a video the reader may not see.
watch-processing = This video is being processed ({ $state }). It will start playing here when it is ready.
watch-actions = Video actions
watch-like = Like
watch-dislike = Dislike
watch-rate-sign-in = Sign in to rate this video.
watch-share = Share
watch-share-link = Link to this video
watch-share-start = Start at
watch-share-start-at = Start time (m:ss)
watch-share-embed = Embed code
watch-copy = Copy the link
watch-copied = Copied.
watch-close = Close
watch-cancel = Cancel
watch-loading = Loading…
watch-download = Download
watch-download-torrent = Torrent
watch-download-magnet = Magnet link
watch-download-none = No file to download.
watch-save = Save
watch-save-new = New playlist
watch-save-create = Create and add
watch-save-none = You have no playlist yet: create one below.
watch-save-added = Added to the playlist.
watch-save-removed = Removed from the playlist.
watch-report = Report
watch-report-title = Report this video
watch-report-reasons = What is wrong with it?
watch-reason-violent = Violent or repulsive
watch-reason-hateful = Hateful or abusive
watch-reason-spam = Spam or misleading
watch-reason-privacy = Privacy
watch-reason-rights = Copyright
watch-reason-rules = Breaks the server rules
watch-reason-thumbnails = Thumbnails
watch-reason-captions = Captions
watch-report-text = Tell the moderators more
watch-report-send = Send the report
watch-report-sent = Thank you: the moderators received your report.
watch-subscribe = Subscribe
watch-unsubscribe = Unsubscribe
watch-by-account = by { $name }
watch-quality = Quality
watch-quality-auto = Auto
watch-origin = A video from { $host }.
watch-origin-copy = Served from this instance's copy of a video from { $host }: it plays even when { $host } is unreachable.
watch-origin-link = See it on its origin
watch-privacy = Privacy
watch-category = Category
watch-licence = Licence
watch-language = Language
watch-tags = Tags
watch-comments-feed = Comments of { $name }
watch-comments-count = { $count ->
    [0] Comments
    [one] 1 comment
   *[other] { $count } comments
}
watch-comments-disabled = Comments are disabled for this video.
watch-comments-approval = The owner of this video reviews new comments before others see them.
watch-comments-sort = Sort comments
watch-sort-recent = Most recent
watch-sort-replies = Most replies
watch-comments-none = No comment yet. Be the first!
watch-comments-more = More comments
watch-comment-add = Add a comment
watch-comment-post = Post
watch-comment-sign-in = Sign in to comment.
watch-comment-reply = Reply
watch-comment-delete = Delete
watch-comment-confirm-delete = Delete this comment?
watch-comment-deleted = Deleted comment
watch-comment-held = Waiting for approval
watch-comment-show-replies = Show replies
watch-comment-replies = { $count ->
    [one] Show 1 reply
   *[other] Show { $count } replies
}
watch-related = Other videos
watch-related-none = No other video to suggest yet.
watch-private-title = Private video
watch-private-sign-in = This video is private. Sign in with an account allowed to see it.
watch-private-not-allowed = This video is private and your account is not allowed to see it.
watch-private-home = Back to the home page

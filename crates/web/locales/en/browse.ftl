browse-see-all = See all
browse-trending = Trending
browse-recent = Recently added
browse-local = Local videos
browse-overview = Discover
browse-category-section = In { $name }
browse-pages = Pages
browse-prev = Previous page
browse-next = Next page
browse-page-n = Page { $page }
browse-total = { $count ->
    [one] { $count } video
   *[other] { $count } videos
}
browse-followers = { $count ->
    [one] { $count } follower
   *[other] { $count } followers
}
browse-playlist-videos = { $count ->
    [one] { $count } video
   *[other] { $count } videos
}
browse-sort = Sort
browse-sort-recent = Newest
browse-sort-trending = Trending
browse-sort-views = Most viewed
browse-sort-likes = Most liked
browse-sort-name = Name
browse-scope = Where
browse-scope-all = All instances
browse-scope-local = This instance
browse-scope-federated = Other instances
browse-category = Category
browse-language = Language
browse-any = Any
browse-nsfw = Sensitive content
browse-nsfw-hide = Hide
browse-nsfw-both = Show
browse-nsfw-only = Only sensitive
browse-apply = Apply
browse-list-empty = No video matches these filters.
browse-clear-filters = Clear the filters
browse-search-title = Search
browse-search-title-for = Search: { $query }
browse-search-help = Tip: paste a video or channel URL, or a handle such as name@example.org, to find it on another instance.
browse-search-tabs = Search results
browse-tab-videos = Videos
browse-tab-channels = Channels
browse-tab-playlists = Playlists
browse-search-found = Found on another instance:
browse-search-lookup-failed = Nothing was found at this address. Check the URL or handle and try again.
browse-search-lookup-sign-in = Sign in to look up videos and channels of other instances.
browse-search-empty = Nothing found. Try other words, or another tab.
browse-remote = On another instance
browse-owned-by = By
browse-subscribe = Subscribe
browse-unsubscribe = Unsubscribe
browse-subscribe-sign-in = Sign in to subscribe
browse-subscribed = Subscribed.
browse-unsubscribed = Unsubscribed.
browse-about-actor = About
browse-no-videos = No video here yet.
browse-no-playlists = No public playlist here yet.
browse-no-channels = No channel yet.
browse-about-title = About this instance
browse-about-description = Description
browse-about-terms = Terms
browse-about-rules = Code of conduct
browse-about-moderation = Moderation
browse-about-admin = Administrator
browse-about-languages = Languages spoken here
browse-about-categories = Favourite categories
browse-about-videos = Local videos
browse-about-users = Users
browse-about-empty = The administrator has not described this instance yet.
browse-load-more = Load more

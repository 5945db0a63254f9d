# inssa's words in Japanese. Every language is one file like this one, with
# the same messages (a test compares them); see locales/src/lib.rs.

## The language itself

language-name = 日本語
og-locale = ja_JP

## Numbers and dates

# Japanese groups large numbers by ten thousands (万, 億) and writes
# thousands in full.
compact-units = 万:4 億:8
minutes-ago = { $n }分前
hours-ago = { $n }時間前
days-ago = { $n }日前
month-name = { $month }月
month-short = { $month }月
month-year = { $year }年{ $month }月
date = { $year }年{ $month }月{ $day }日
short-date = { $month }月{ $day }日
date-time = { $date } { $time } UTC

## Every page

site-name = inssa
# The service, as its name is written in this language.
clubhouse = Clubhouse
tagline = Clubhouse のプロフィールを、すばやく、シェアしやすく。
home-title = inssa: Clubhouse のプロフィールを調べる
home-description = Clubhouse のユーザーを検索して、自己紹介、フォロワー、クラブ、招待した人などのプロフィールを開けます。
search-label = Clubhouse のユーザーを検索
search-placeholder = 名前または @ユーザー名
search-button = 検索
not-found-title = ページが見つかりません
not-found-body = このアドレスには何もありません。
back-home = ホームに戻る
theme-label = テーマ
theme-light = ライト
theme-dark = ダーク
theme-system = システム
language-label = 言語
footer-note = inssa は Clubhouse とは関係ありません。
just-now = たった今
followers = フォロワー
following = フォロー中
joined = 参加
nominated-by = 招待した人
clubs = クラブ
members = メンバー
open-in-clubhouse = Clubhouse で開く
updated = 更新:
refreshing = 更新中
upstream-failing = いま Clubhouse が応答していません。これは最後に受け取った情報です。
profile-not-found-title = その Clubhouse ユーザーはいません
profile-not-found-body = このユーザー名の Clubhouse ユーザーはいません。つづりを確かめるか、検索してみてください。
profile-gone-title = このアカウントはなくなりました
profile-gone-body = このユーザー名を使っていた Clubhouse アカウントはもう存在しないため、inssa でも何も表示しません。
unavailable-title = Clubhouse が応答していません
unavailable-body = Clubhouse に接続できず、このプロフィールの保存済みの情報もまだありません。しばらくしてからもう一度お試しください。
search-title = 検索
search-results-for = 検索結果:
no-results = 見つかりませんでした。
search-cache-only = いまは Clubhouse の検索が使えないため、これまでに見たプロフィールから探した結果です。
search-throttled = 短い時間に何度も検索しています。1分ほど待ってからもう一度検索してください。
recently-viewed = 最近見たプロフィール
profile-of = さんの Clubhouse プロフィール
no-bio = まだ自己紹介がありません。
retry = もう一度試す
waitlist-button = ウェイトリストに登録
waitlist-title = ウェイトリストに登録する
waitlist-intro = Clubhouse の人たちのための新しいものを作っています。メールアドレスを残していただければ、いちばんにお知らせします。
waitlist-email = メールアドレス
waitlist-username = Clubhouse のユーザー名(任意)
waitlist-consent = inssa の次の製品についてメールを受け取ることに同意します。
waitlist-submit = 登録
waitlist-close = 閉じる
waitlist-done-title = 受信トレイを確認してください
waitlist-done-body = そのアドレスにメールを送りました。メールのリンクを開いて登録を確定してください。見当たらない場合は迷惑メールフォルダーを確認してください。届くまで数分かかることがあります。
waitlist-leave = ウェイトリストから抜ける
waitlist-confirm-title = アドレスを確認してください
waitlist-confirm-body = ワンクリックでこのアドレスがウェイトリストに登録されます。
waitlist-confirm-button = アドレスを確認する
waitlist-confirmed-title = 登録されました
waitlist-confirmed-body = ありがとうございます。アドレスが確認されました。お知らせがあればご連絡します。すべてのメールにリストから抜けるリンクがあります。
waitlist-link-not-valid = このリンクはもう使えません。登録の期限が切れたか、削除されました。もう一度登録できます。
waitlist-leave-confirm = 私のアドレスをウェイトリストから完全に削除します。
waitlist-left-title = ウェイトリストから抜けました
waitlist-left-body = リンクが有効だった場合、アドレスはもう保存されていません。
waitlist-fix-fields = 印のついた項目を直してください。
waitlist-rate-limited = このネットワークからの登録が多すぎます。数分後にもう一度お試しください。
waitlist-bad-request = フォームの処理で問題が起きました。ページを再読み込みしてもう一度お試しください。
waitlist-unavailable = いまは保存できませんでした。しばらくしてからもう一度お試しください。
waitlist-email-required = メールアドレスを入力してください。
waitlist-email-too-long = アドレスが長すぎます。
waitlist-email-invalid = メールアドレスの形式ではありません。
waitlist-username-invalid = Clubhouse のユーザー名に使えるのは英字、数字、「_」と「.」だけです。
waitlist-consent-required = 同意のチェックボックスをオンにしてください。
waitlist-honeypot = 空欄のままにしてください
skip-to-content = 本文へスキップ
about-link = inssa について、あなたのデータについて
about-title = inssa について
about-description = inssa とは何か、何をどれだけの期間保存するか、データの削除を頼む方法、そしていま Clubhouse が応答しているかをお知らせします。
about-what-heading = inssa とは
about-what-body = inssa は公開されている Clubhouse のプロフィールを、リンクしてシェアできる速いウェブページとして表示し、それぞれのプロフィールがどう変わってきたかも見せます。Clubhouse とは関係がなく、Clubhouse アプリが表示するのと同じ公開プロフィール情報を読み取ります。
about-stored-heading = 保存する情報と期間
about-profiles = プロフィール: 誰かがここで調べた公開プロフィールのコピーです。見られている間は更新し、Clubhouse がアカウントはもう存在しないと答えたら、ID と名前を残して削除します。
about-history = 履歴: プロフィールの以前のバージョンとフォロワー数で、{ $days }日間保存します。最新のバージョンは常に残ります。
about-waitlist = ウェイトリスト: メールアドレス、言語、入力されたユーザー名です。確認されていない登録は{ $hours }時間後に削除します。確認された登録は、どのメールにもあるリンクから抜けるまで保存し、抜けるとすぐに削除します。
about-logs = ログ: リクエストごとのパス、ステータス、処理時間、リクエスト ID、そしてエラーです。IP アドレス、クッキー、トークンは記録しません。ログは inssa ではなく運営者のログシステムが保管します。
about-removal-heading = データの削除を頼むには
about-removal-body = プロフィールのコピーと履歴を削除するには、Clubhouse のユーザー名を添えてこのアドレスにメールしてください:
about-status-heading = いまの Clubhouse
upstream-ok = Clubhouse は応答しています。新しいプロフィールも検索も普段どおり使えます。
upstream-limited = Clubhouse から速度を落とすよう求められています。以前見たプロフィールはコピーから表示し、新しいものは時間がかかることがあります。
upstream-refused = Clubhouse がリクエストを拒否しています。以前見たプロフィールだけを、コピーから表示できます。
upstream-no-calls = このサーバーが起動してから、まだ Clubhouse にリクエストしていません。
about-version = 実行中のバージョン
search-description = 名前やユーザー名で Clubhouse のユーザーを探して、inssa でプロフィールを開けます。
search-count = { $count }人が見つかりました
search-pages-label = 検索結果のページ
search-page = { $page }ページ目
search-previous = 前のページ
search-next = 次のページ
waitlist-description = inssa チームが次に作るもののウェイトリストです。準備ができたら、そのとき一度だけメールします。

## The history page and the feeds

history-title = 履歴
history-of = 履歴:
history-description = フォロワーの推移と、inssa が見たすべての変更:
history-back-to-profile = プロフィールに戻る
history-followers-over-time = フォロワーの推移
history-following-over-time = フォロー中の推移
history-growth = 変化
history-days = 日
history-not-enough-history = まだ不明
history-one-sample = inssa はこのプロフィールのフォロワーをまだ1回しか数えていません。次に数えるとグラフが始まります。
history-no-samples = inssa はこのプロフィールのフォロワーをまだ数えていません。
history-numbers-as-table = 表で見る
history-date = 日付
history-changes = 変更
history-one-version = inssa はこのプロフィールのバージョンをまだ1つしか見ていません。変わるとここに表示されます。
history-no-changes-since = inssa が初めて見てから変更はありません。初めて見た日:
history-older-changes = 以前の変更
history-newer-changes = 最近の変更
history-feed = 変更の Atom フィード
history-none = (なし)
history-name = 名前
history-username = ユーザー名
history-photo = 写真
history-photo-old = 以前の写真
history-photo-new = 新しい写真
history-bio = 自己紹介
history-twitter = Twitter
history-instagram = Instagram
history-club-joined = クラブに参加
history-club-left = クラブから退出
history-nominator = 招待した人
history-added = 追加
history-removed = 削除
history-feed-title = 変更:
history-feed-of-many = Clubhouse プロフィールの変更
history-changed = 変更

## Sharing: the share box, cards and embeds

share-title = シェア
share-link = このプロフィールへのリンク
share-embed = 自分のサイトに埋め込む
share-embed-hint = カードを表示したい場所にこの HTML を貼り付けてください。
share-card = シェアカード(PNG、1200×630)
share-view-on-inssa = inssa で見る
share-on-inssa = · inssa

## The waitlist's mails

mail-confirm-subject = inssa ウェイトリストへの登録を確認してください
mail-listed-subject = すでに inssa ウェイトリストに登録されています
mail-greeting = こんにちは。
mail-confirm-asked = { $email }{ $who } を inssa のウェイトリストに登録するよう依頼がありました。
mail-as-user = { " " }(Clubhouse @{ $username })
mail-confirm-button = アドレスを確認する
mail-confirm-ignore = 心当たりがなければ、このメールは無視してください。確認されていない登録は{ $days }日後に削除されます。
mail-listed-body = { $email } を inssa のウェイトリストに登録するよう依頼がありました。すでに登録されており、何も変わっていません。
mail-remove-lead = いま、またはあとでリストから外すには:
mail-remove-button = ウェイトリストから抜ける
mail-signature = inssa

-- A form POST with Django's CSRF cookie and field: wrk -s post.lua URL -- "<form body>"
local secret = "benchcsrfsecret0123456789abcdefg"

function init(args)
  wrk.method = "POST"
  wrk.body = "csrfmiddlewaretoken=" .. secret .. (args[1] and ("&" .. args[1]) or "")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. secret
  wrk.headers["Referer"] = "http://127.0.0.1/"
end
